"""Which directory roles the service principal may hold, and only tenant-wide.

User Administrator and Privileged Authentication Administrator are what Privilege Secure needs;
Global Administrator is the whole tenant and needs an explicit switch; every other role, and any
role scoped to an administrative unit or an application, is denied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers import knobs
from entra_guard.helpers.values import UNKNOWN, Findings, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.labels import (
    DEFAULT_DIRECTORY_ROLES,
    GLOBAL_ADMINISTRATOR_ROLE,
    describe_role_id,
    directory_role_id,
    listing,
)
from entra_vocabulary.microsoft_ids import directory_role_name

DIRECTORY_ROLE_POLICY: Final = "directory-role-allowlist"
ALLOWED_ROLES: Final = "allowedRoles"
ALLOW_GLOBAL_ADMINISTRATOR: Final = "allowGlobalAdministrator"


@dataclass(frozen=True)
class _Roles:
    """The allowlist as configured: the role names, and whether Global Administrator may be held."""

    allowed: tuple[str, ...]
    allow_global_administrator: bool

    def check(self, where: str, role_id: object, findings: Findings) -> None:
        """One role template id against the allowlist; Global Administrator only with its
        switch."""
        if not findings.reviewable(where, role_id, "a directory role template id"):
            return
        name = directory_role_name(text(role_id))
        if name == GLOBAL_ADMINISTRATOR_ROLE:
            if not self.allow_global_administrator:
                findings.violation(
                    f"{where}: directory role {describe_role_id(text(role_id))} is only allowed "
                    f"with {ALLOW_GLOBAL_ADMINISTRATOR}: true; allowed roles: "
                    f"{listing(self.allowed)}"
                )
            return
        if name is None or name not in self.allowed:
            findings.violation(
                f"{where}: directory role {describe_role_id(text(role_id))} is not in the "
                f"allowlist {listing(self.allowed)}"
            )

    def check_name(self, where: str, name: object, findings: Findings) -> None:
        """A role named by ``displayName`` (DirectoryRole), checked through its template id."""
        if name is UNKNOWN or name is None:
            self.check(where, name, findings)
            return
        role_id = directory_role_id(text(name))
        if role_id is None:
            findings.violation(
                f"{where}: directory role {text(name)} (no role template in "
                f"entra_vocabulary.microsoft_ids) is not in the allowlist {listing(self.allowed)}"
            )
            return
        self.check(where, role_id, findings)


def _check_tenant_wide(props: Mapping[str, Any], findings: Findings) -> None:
    """No administrative-unit or application scope: the roles are meant tenant-wide."""
    findings.refuse_set(
        props,
        "appScopeId",
        '; only tenant-wide assignments (no appScopeId, directoryScopeId absent or "/") are '
        "allowed",
    )
    directory_scope = read(props, "directoryScopeId")
    if directory_scope is UNKNOWN:
        findings.unreviewable("directoryScopeId")
    elif directory_scope is not None and directory_scope != "/":
        findings.violation(
            f"directoryScopeId is {text(directory_scope)}; only tenant-wide assignments "
            '(directoryScopeId absent or "/") are allowed'
        )


def validate_directory_roles(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """Role assignments, eligibility requests and activated roles: allowlisted, tenant-wide."""
    config = args.get_config()
    roles = _Roles(
        knobs.string_list(config, ALLOWED_ROLES, DEFAULT_DIRECTORY_ROLES),
        knobs.boolean(config, ALLOW_GLOBAL_ADMINISTRATOR, False),
    )
    findings = Findings()
    props = args.props
    if args.resource_type == types.DIRECTORY_ROLE_ASSIGNMENT:
        roles.check("roleId", read(props, "roleId"), findings)
        _check_tenant_wide(props, findings)
    elif args.resource_type == types.DIRECTORY_ROLE_ELIGIBILITY_REQUEST:
        roles.check("roleDefinitionId", read(props, "roleDefinitionId"), findings)
        _check_tenant_wide(props, findings)
    elif args.resource_type == types.DIRECTORY_ROLE:
        template_id = read(props, "templateId")
        if template_id is not None:
            roles.check("templateId", template_id, findings)
        else:
            roles.check_name("displayName", read(props, "displayName"), findings)
    findings.report(report_violation)


DIRECTORY_ROLE_DECLARATION: Final = Declaration(
    name=DIRECTORY_ROLE_POLICY,
    description=(
        "Directory roles are limited to the allowlist (Global Administrator only when "
        "explicitly allowed) and assigned tenant-wide only."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_directory_roles,
    knobs={
        ALLOWED_ROLES: knobs.string_list_schema(
            "Built-in directory role names the service principal may hold. Global "
            f"Administrator is governed by {ALLOW_GLOBAL_ADMINISTRATOR} only.",
            DEFAULT_DIRECTORY_ROLES,
        ),
        ALLOW_GLOBAL_ADMINISTRATOR: knobs.boolean_schema(
            "Allow Global Administrator (the manifest's manage-Global-Administrators "
            "option assigns it instead of User Administrator).",
            False,
        ),
    },
    remediation=(
        "Assign only the roles of the Privilege Secure manifest, by template id, with no "
        'appScopeId and directoryScopeId "/" (or unset). To manage Global Administrators, '
        f"set {ALLOW_GLOBAL_ADMINISTRATOR}: true in the policy pack config for that stack."
    ),
    tags=("entra-id", "tier-0", "least-privilege"),
)
