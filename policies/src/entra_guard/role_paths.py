"""Every path to a directory role other than a tenant-wide ``DirectoryRoleAssignment``.

``directory-role-allowlist`` judges which role a ``DirectoryRoleAssignment`` gives; this policy
closes the other doors: adding a member to a role (``DirectoryRoleMember``,
``AdministrativeUnitRoleMember``), eligibility (``DirectoryRoleEligibilityScheduleRequest``:
activated later, outside any review) and group membership (``GroupMember``, a ``Group``'s
``members``, PIM for groups schedules). A role-assignable group passes its roles on to its
members and the pack cannot tell which groups are, so every membership counts.
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
from entra_guard.helpers.values import UNKNOWN, Findings, elements, read
from entra_vocabulary import resource_types as types

ROLE_PATHS_POLICY: Final = "directory-role-paths"

ROLE_PATHS: Final[dict[str, str]] = {
    types.DIRECTORY_ROLE_MEMBER: "adds a member to a directory role",
    types.ADMINISTRATIVE_UNIT_ROLE_MEMBER: "adds a member to a directory role scoped to an "
    "administrative unit",
    types.DIRECTORY_ROLE_ELIGIBILITY_REQUEST: "makes a principal eligible for a directory role "
    "(activated later, outside any review)",
    types.GROUP_MEMBER: "adds a member to a group, and a role-assignable group passes its "
    "directory roles on",
    types.PRIVILEGED_ACCESS_GROUP_ASSIGNMENT: "assigns group membership or ownership through PIM, "
    "and a role-assignable group passes its directory roles on",
    types.PRIVILEGED_ACCESS_GROUP_ELIGIBILITY: "makes a principal eligible for group membership "
    "or ownership through PIM, and a role-assignable group passes its directory roles on",
    types.ACCESS_PACKAGE_CATALOG_ROLE_ASSIGNMENT: "assigns an entitlement management catalog role",
}
"""Every resource type that is a path to a directory role, and how."""


def validate_role_paths(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Directory roles only through ``DirectoryRoleAssignment``."""
    findings = Findings()
    kind = args.resource_type
    short = kind.rsplit(":", 1)[-1]
    if kind in ROLE_PATHS:
        findings.violation(
            f"{short} {ROLE_PATHS[kind]}; the only path to a directory role allowed is a "
            "tenant-wide DirectoryRoleAssignment of an allowed role to the application's "
            "service principal"
        )
    elif kind == types.GROUP:
        members = elements(read(args.props, "members"))
        if members is UNKNOWN or members:
            findings.violation(
                "Group members is set: a role-assignable group passes its directory roles on "
                "to its members; the only path to a directory role allowed is a tenant-wide "
                "DirectoryRoleAssignment"
            )
    findings.report(report_violation)


ROLE_PATHS_DECLARATION: Final = Declaration(
    name=ROLE_PATHS_POLICY,
    description=(
        "Directory roles only through DirectoryRoleAssignment: no role members, no "
        "eligibility, no group membership (GroupMember, Group members, PIM for groups)."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_role_paths,
    remediation=(
        "Remove the resource. The component assigns the manifest's roles with "
        "DirectoryRoleAssignment, tenant-wide; Global Administrator needs "
        "allowGlobalAdministrator in directory-role-allowlist."
    ),
    tags=("entra-id", "tier-0", "least-privilege"),
)
