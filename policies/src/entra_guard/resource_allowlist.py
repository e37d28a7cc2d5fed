"""Default deny: a stack gated by this pack declares only what the integration needs.

Every other resource type is a way around the rest of the pack: another azuread type the policies
do not read (a certificate, an owner, a group membership), another provider's resource, a dynamic
provider (``pulumi-python:dynamic:Resource``: arbitrary code run with the deployer's
credentials) or a component other than ours. Allowed without configuration: the types the program
itself declares, Pulumi's own (the stack, providers) and our component
(``entra_vocabulary.resource_types.PROGRAM_RESOURCE_TYPES``).
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

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers import knobs
from entra_guard.helpers.values import Findings
from entra_vocabulary.resource_types import PROGRAM_RESOURCE_TYPES

RESOURCE_TYPES_POLICY: Final = "resource-types-allowlist"
ALLOWED_RESOURCE_TYPES: Final = "allowedResourceTypes"


def _why(resource_type: str) -> str:
    """What makes the type dangerous, for the message."""
    if ":dynamic:" in resource_type:
        return "a dynamic provider runs arbitrary code with the deployer's Tier-0 credentials"
    if resource_type.startswith("azuread:"):
        return "an Entra ID object the pack does not judge can give the app power or a sign-in"
    return "the integration declares nothing of this type"


def validate_resource_types(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """The resource's type is in ``allowedResourceTypes`` (``*`` matches, as in fnmatch)."""
    allowed = knobs.string_list(args.get_config(), ALLOWED_RESOURCE_TYPES, PROGRAM_RESOURCE_TYPES)
    findings = Findings()
    kind = args.resource_type
    if not any(fnmatchcase(kind, pattern) for pattern in allowed):
        findings.violation(
            f"resource type {kind} is not allowed in this stack ({_why(kind)}); if a reviewed "
            f'change needs it, add "{kind}" to {ALLOWED_RESOURCE_TYPES} of policy '
            f"{RESOURCE_TYPES_POLICY} in the policy pack config (next to the default types)"
        )
    findings.report(report_violation)


RESOURCE_TYPES_DECLARATION: Final = Declaration(
    name=RESOURCE_TYPES_POLICY,
    description=(
        "Default deny: only the resource types the program declares, Pulumi's own and the "
        "privilegesecure:index:AppRegistration component, plus allowedResourceTypes."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_resource_types,
    knobs={
        ALLOWED_RESOURCE_TYPES: knobs.string_list_schema(
            "Resource type tokens a stack may declare (fnmatch patterns: "
            '"pulumi:providers:*"). Setting it replaces the default: keep the default '
            "types in the list.",
            PROGRAM_RESOURCE_TYPES,
        )
    },
    remediation=(
        "Remove the resource from the stack. If a reviewed change really needs the type, "
        "list it in allowedResourceTypes together with the default types."
    ),
    tags=("entra-id", "tier-0", "default-deny"),
)
