"""Who can change the application, and what a destroy can take down.

Owners of an application or service principal can add credentials to it and so act with its
Tier-0 rights; a stack that manages a Microsoft first-party service principal deletes it on
destroy; an unprotected production application is one ``pulumi destroy`` away from an outage.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard import knobs
from entra_guard.declaration import Declaration, Kind
from entra_guard.values import UNKNOWN, Findings, elements, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.first_party import first_party_name

FIRST_PARTY_POLICY: Final = "graph-service-principal-not-managed"
OWNERS_POLICY: Final = "owners-restricted"
PROTECT_POLICY: Final = "protect-production"
ADDITIONAL_FIRST_PARTY: Final = "additionalFirstPartyClientIds"
MAX_OWNERS: Final = "maxOwners"
ALLOWED_OWNERS: Final = "allowedOwnerObjectIds"
PROTECTED_STACKS: Final = "protectedStacks"
DEFAULT_MAX_OWNERS: Final = 3
DEFAULT_PROTECTED_STACKS: Final = ("prod*",)


def validate_first_party(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """No ServicePrincipal resource for a Microsoft first-party application.

    An unknown ``clientId`` passes: it is another resource's output, and no resource this stack
    can create has a first-party client id (a lookup's result is known during the preview).
    """
    findings = Findings()
    if args.resource_type == types.SERVICE_PRINCIPAL:
        extra = knobs.string_list(args.get_config(), ADDITIONAL_FIRST_PARTY, ())
        client_id = read(args.props, "clientId")
        if client_id is not None and client_id is not UNKNOWN:
            name = first_party_name(text(client_id), extra)
            if name is not None:
                findings.violation(
                    f"clientId {text(client_id)} is {name}: a Microsoft first-party service "
                    "principal must not be managed (destroy or replace deletes it tenant-wide); "
                    "look it up with azuread.get_service_principal(client_id=...) instead"
                )
    findings.report(report_violation)


def _check_owner(where: str, owner: object, allowed: tuple[str, ...], findings: Findings) -> None:
    """One owner object id against ``allowedOwnerObjectIds`` (when that is set)."""
    if not allowed:
        return
    if owner is UNKNOWN:
        findings.unknown(where)
    elif text(owner).lower() not in {item.lower() for item in allowed}:
        findings.violation(
            f"{where} {text(owner)} is not in {ALLOWED_OWNERS} {sorted(allowed)}; owners can add "
            "credentials and act with the application's rights"
        )


def _ours_to_steward(args: ResourceValidationArgs) -> bool:
    """An application or service principal the stack should own and protect: never Microsoft's
    (a first-party client id), which must not be managed at all, let alone given owners."""
    if args.resource_type == types.APPLICATION:
        return True
    if args.resource_type != types.SERVICE_PRINCIPAL:
        return False
    client_id = read(args.props, "clientId")
    if client_id is None or client_id is UNKNOWN:
        return True
    extra = knobs.string_list(args.get_config(), ADDITIONAL_FIRST_PARTY, ())
    return first_party_name(text(client_id), extra) is None


def validate_owners(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """One to ``maxOwners`` owners, all from ``allowedOwnerObjectIds`` when it is set."""
    config = args.get_config()
    max_owners = knobs.integer(config, MAX_OWNERS, DEFAULT_MAX_OWNERS, 1)
    allowed = knobs.string_list(config, ALLOWED_OWNERS, ())
    findings = Findings()
    if _ours_to_steward(args):
        owners = elements(read(args.props, "owners"))
        if owners is UNKNOWN:
            findings.unknown("owners")
        elif not owners:
            findings.violation(
                f"owners is empty; set 1 to {max_owners} owners so that someone is accountable "
                "for the application"
            )
        else:
            if len(owners) > max_owners:
                findings.violation(
                    f"owners has {len(owners)} entries; at most {max_owners} ({MAX_OWNERS}) are "
                    "allowed, each owner can add credentials"
                )
            for i, owner in enumerate(owners):
                _check_owner(f"owners[{i}]", owner, allowed, findings)
    elif args.resource_type == types.APPLICATION_OWNER:
        _check_owner("ownerObjectId", read(args.props, "ownerObjectId"), allowed, findings)
    findings.report(report_violation)


def stack_of(urn: str) -> str | None:
    """The stack name in ``urn:pulumi:<stack>::<project>::<type>::<name>``."""
    prefix = "urn:pulumi:"
    if not urn.startswith(prefix) or "::" not in urn:
        return None
    return urn[len(prefix) :].split("::", 1)[0]


def validate_protect(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``protect`` is set on the application and service principal of protected stacks."""
    patterns = knobs.string_list(args.get_config(), PROTECTED_STACKS, DEFAULT_PROTECTED_STACKS)
    findings = Findings()
    if _ours_to_steward(args):
        stack = stack_of(args.urn)
        if stack is None:
            findings.unknown(f"the stack name (urn {args.urn!r} is not a Pulumi URN)")
        elif any(fnmatchcase(stack, pattern) for pattern in patterns) and not args.opts.protect:
            findings.violation(
                f"protect is not set on stack {stack} (matches {PROTECTED_STACKS} "
                f"{sorted(patterns)}); set ResourceOptions(protect=True) so that a destroy "
                "cannot delete it"
            )
    findings.report(report_violation)


FIRST_PARTY_DECLARATION: Final = Declaration(
    name=FIRST_PARTY_POLICY,
    description=(
        "No ServicePrincipal resource for Microsoft Graph or another Microsoft first-party "
        "application: look those up, never manage them."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_first_party,
    knobs={
        ADDITIONAL_FIRST_PARTY: knobs.string_list_schema(
            "More client ids to treat as Microsoft first-party applications.", ()
        )
    },
    remediation=(
        "Replace the ServicePrincipal resource with azuread.get_service_principal("
        "client_id=...) and, to drop it from the state without deleting it, run "
        "`pulumi state delete <urn>` (never `pulumi destroy`)."
    ),
    tags=("entra-id", "availability"),
)


OWNERS_DECLARATION: Final = Declaration(
    name=OWNERS_POLICY,
    description=(
        "The application and service principal have 1 to maxOwners owners, only from "
        "allowedOwnerObjectIds when set: owners can add credentials."
    ),
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    kind=Kind.RESOURCE,
    validate=validate_owners,
    knobs={
        MAX_OWNERS: knobs.integer_schema(
            "Most owners an application or service principal may have.",
            DEFAULT_MAX_OWNERS,
            1,
        ),
        ALLOWED_OWNERS: knobs.string_list_schema(
            "Object ids allowed as owners; empty allows any.", ()
        ),
    },
    remediation=(
        "Set owners to the few accountable administrators or the deploying service "
        "principal; list them in allowedOwnerObjectIds."
    ),
    tags=("entra-id", "tier-0"),
)


PROTECT_DECLARATION: Final = Declaration(
    name=PROTECT_POLICY,
    description=(
        "On stacks matching protectedStacks the application and service principal have "
        "protect set, so that a destroy cannot delete them."
    ),
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    kind=Kind.RESOURCE,
    validate=validate_protect,
    knobs={
        PROTECTED_STACKS: knobs.string_list_schema(
            "Stack name patterns (fnmatch, case-sensitive) that must protect the "
            "application and service principal.",
            DEFAULT_PROTECTED_STACKS,
        )
    },
    remediation=(
        "Pass protect=True in the resource options for production stacks (e.g. from stack config)."
    ),
    tags=("entra-id", "availability"),
)
