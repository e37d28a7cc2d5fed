"""The Tier-0 resources come from the component, nowhere else in the stack.

The component declares the application, its service principal, the consents, the directory role
assignments and the client secrets as its children. The same types declared anywhere else are a
second app, a grant, a role or a secret that the component's review never saw. This is a resource
policy: unlike the stack policies, which during ``pulumi up`` judge only after the changes, it
stops such a resource during the update itself, even when a program declares it only outside a
preview (``pulumi.runtime.is_dry_run()``).
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
from entra_guard.helpers.stack_links import urn_type
from entra_guard.helpers.values import Findings
from entra_vocabulary import resource_types as types

COMPONENT_CHILDREN_POLICY: Final = "declared-by-the-component"

COMPONENT_TYPES: Final = (
    types.APPLICATION,
    types.SERVICE_PRINCIPAL,
    types.APP_ROLE_ASSIGNMENT,
    types.DELEGATED_PERMISSION_GRANT,
    types.DIRECTORY_ROLE_ASSIGNMENT,
    types.APPLICATION_PASSWORD,
)
"""What only the component declares."""


def validate_component_children(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """A Tier-0 resource type declared outside ``privilegesecure:index:AppRegistration``."""
    findings = Findings()
    parent = args.opts.parent
    if args.resource_type in COMPONENT_TYPES and (
        parent is None or urn_type(parent) != types.COMPONENT
    ):
        short = args.resource_type.rsplit(":", 1)[-1]
        findings.violation(
            f"{short} declared outside the {types.COMPONENT} component (parent "
            f"{parent or 'the stack'}): applications, service principals, consents, directory "
            "roles and client secrets come only from the component"
        )
    findings.report(report_violation)


COMPONENT_CHILDREN_DECLARATION: Final = Declaration(
    name=COMPONENT_CHILDREN_POLICY,
    description=(
        "Applications, service principals, app role assignments, delegated grants, directory "
        "role assignments and client secrets are declared only by the component."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_component_children,
    remediation=(
        "Remove the resource: the privilegesecure:index:AppRegistration component declares "
        "everything the integration needs, from its config."
    ),
    tags=("entra-id", "tier-0"),
)
