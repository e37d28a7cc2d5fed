"""``owners-restricted``: owners of an application or service principal can add credentials to
it and so act with its Tier-0 rights."""

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
from entra_guard.helpers.steward import ours_to_steward
from entra_guard.helpers.values import UNKNOWN, Findings, elements, read, text
from entra_vocabulary import resource_types as types

OWNERS_POLICY: Final = "owners-restricted"

MAX_OWNERS: Final = "maxOwners"

ALLOWED_OWNERS: Final = "allowedOwnerObjectIds"

DEFAULT_MAX_OWNERS: Final = 3


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


def validate_owners(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """One to ``maxOwners`` owners, all from ``allowedOwnerObjectIds`` when it is set."""
    config = args.get_config()
    max_owners = knobs.integer(config, MAX_OWNERS, DEFAULT_MAX_OWNERS, 1)
    allowed = knobs.string_list(config, ALLOWED_OWNERS, ())
    findings = Findings()
    if ours_to_steward(args):
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
