"""Owners come only from the component's ``owners``: an owner can add a credential and act as the
Tier-0 application.

``owners-restricted`` (advisory) keeps its advice on how many owners; this policy makes the hard
rules mandatory: no ``ApplicationOwner`` (or any other resource that adds an owner), no second
``ServicePrincipal`` that adopts an existing one (``useExisting``) and sets its owners, and, when
``allowedOwnerObjectIds`` is set, no owner outside it.
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers import knobs
from entra_guard.helpers.steward import PRODUCTION_STACKS, stack_matches, stack_of
from entra_guard.helpers.values import UNKNOWN, Findings, elements, read, text
from entra_guard.owners import ALLOWED_OWNERS
from entra_vocabulary import resource_types as types

OWNERSHIP_POLICY: Final = "owners-from-component"
REQUIRED_ON: Final = "ownerAllowlistRequiredOn"
DEFAULT_REQUIRED_ON: Final = PRODUCTION_STACKS


def _check_owner(where: str, owner: object, allowed: set[str], findings: Findings) -> None:
    """One owner object id against ``allowedOwnerObjectIds`` (lower case; empty allows any)."""
    if not allowed:
        return
    if owner is UNKNOWN:
        findings.unknown(where)
    elif text(owner).strip().lower() not in allowed:
        findings.violation(
            f"{where} {text(owner)} is not in {ALLOWED_OWNERS} {sorted(allowed)}; an owner can "
            "add a credential and act with the application's Tier-0 rights"
        )


def validate_ownership(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Owners only through the component's ``owners``, from the allowlist when it is set."""
    config = args.get_config()
    allowed = {item.strip().lower() for item in knobs.string_list(config, ALLOWED_OWNERS, ())}
    required_on = knobs.string_list(config, REQUIRED_ON, DEFAULT_REQUIRED_ON)
    findings = Findings()
    kind = args.resource_type
    stack = stack_of(args.urn) or ""
    if (
        kind in (types.APPLICATION, types.SERVICE_PRINCIPAL)
        and not allowed
        and stack_matches(stack, required_on)
    ):
        findings.violation(
            f"{ALLOWED_OWNERS} is empty on stack {stack} (matches {REQUIRED_ON} "
            f"{sorted(required_on)}): any owner would pass, and an owner can add a credential; "
            "list the owners' object ids (and set the component's owners to them)"
        )
    if kind == types.APPLICATION_OWNER:
        findings.violation(
            f"ApplicationOwner adds owner {text(read(args.props, 'ownerObjectId'))} outside the "
            "component's owners; an owner can add a credential and act as the application"
        )
    elif kind in (types.APPLICATION, types.SERVICE_PRINCIPAL):
        use_existing = read(args.props, "useExisting") if kind == types.SERVICE_PRINCIPAL else None
        if use_existing is UNKNOWN:
            findings.unreviewable("useExisting")
        elif use_existing is True:
            findings.violation(
                "useExisting is true: this ServicePrincipal adopts one that already exists and "
                "sets its owners; the component's service principal is the only one of its app"
            )
        owners = elements(read(args.props, "owners"))
        if owners is UNKNOWN:
            if allowed:
                findings.unknown("owners")
        else:
            for i, owner in enumerate(owners):
                _check_owner(f"owners[{i}]", owner, allowed, findings)
    findings.report(report_violation)


OWNERSHIP_DECLARATION: Final = Declaration(
    name=OWNERSHIP_POLICY,
    description=(
        "Owners come only from the component's owners: no ApplicationOwner, no adopted "
        "(useExisting) service principal, no owner outside allowedOwnerObjectIds when set."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_ownership,
    knobs={
        ALLOWED_OWNERS: knobs.string_list_schema(
            "Object ids allowed as owners of the application and service principal; "
            f"empty allows any, except on stacks matching {REQUIRED_ON}.",
            (),
        ),
        REQUIRED_ON: knobs.string_list_schema(
            f"Stack name patterns (fnmatch) where {ALLOWED_OWNERS} must be set.",
            DEFAULT_REQUIRED_ON,
        ),
    },
    remediation=(
        "Set the owners through the component's owners config key, and list them in "
        "allowedOwnerObjectIds; remove ApplicationOwner resources and useExisting."
    ),
    tags=("entra-id", "tier-0"),
)
