"""``protect-production``: an unprotected production application is one ``pulumi destroy`` away
from an outage."""

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
from entra_guard.helpers.steward import PRODUCTION_STACKS, ours_to_steward, stack_matches, stack_of
from entra_guard.helpers.values import Findings

PROTECT_POLICY: Final = "protect-production"
PROTECTED_STACKS: Final = "protectedStacks"
DEFAULT_PROTECTED_STACKS: Final = PRODUCTION_STACKS


def validate_protect(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``protect`` is set on the application and service principal of protected stacks."""
    patterns = knobs.string_list(args.get_config(), PROTECTED_STACKS, DEFAULT_PROTECTED_STACKS)
    findings = Findings()
    if ours_to_steward(args):
        stack = stack_of(args.urn)
        if stack is None:
            findings.unknown(f"the stack name (urn {args.urn!r} is not a Pulumi URN)")
        elif stack_matches(stack, patterns) and not args.opts.protect:
            findings.violation(
                f"protect is not set on stack {stack} (matches {PROTECTED_STACKS} "
                f"{sorted(patterns)}); set ResourceOptions(protect=True) so that a destroy "
                "cannot delete it"
            )
    findings.report(report_violation)


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
