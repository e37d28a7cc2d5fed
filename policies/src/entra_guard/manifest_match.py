"""One application, one Privilege Secure manifest: no mix of two versions' rights.

The allowlists' defaults are the union of every manifest, so each permission and role on its own
passes. A 4.1 deployment that also takes 26.03's ``UserAuthenticationMethod.ReadWrite.All`` or
Privileged Authentication Administrator (which can reset a Global Administrator's credentials) is
exactly the escalation 4.1's design avoids (red team RT-15). This check asks that what the
application requests, and what its service principal is consented and assigned, fits inside one
manifest. Names no manifest lists are left to the allowlists (a reviewed addition admitted by
``allowedPermissions`` is not refused here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers.stack_links import Principals, label, of_type
from entra_guard.helpers.values import UNKNOWN, elements, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.labels import (
    DEFAULT_APPLICATION_PERMISSIONS,
    DEFAULT_DELEGATED_PERMISSIONS,
    DEFAULT_DIRECTORY_ROLES,
    GLOBAL_ADMINISTRATOR_ROLE,
    graph_permission_by_id,
)
from entra_vocabulary.manifests import MANIFESTS, Manifest
from entra_vocabulary.microsoft_ids import PermissionType, directory_role_name

MANIFEST_POLICY: Final = "single-manifest"
_APPLICATION: Final = PermissionType.APPLICATION
_DELEGATED: Final = PermissionType.DELEGATED

_KNOWN_APPLICATION: Final = frozenset(DEFAULT_APPLICATION_PERMISSIONS)
_KNOWN_DELEGATED: Final = frozenset(DEFAULT_DELEGATED_PERMISSIONS)
_KNOWN_ROLES: Final = frozenset((*DEFAULT_DIRECTORY_ROLES, GLOBAL_ADMINISTRATOR_ROLE))
"""What any manifest grants: the vocabulary's unions, and Global Administrator (a manifest's
with its switch)."""


@dataclass
class _Rights:
    """Names of what one application requests or holds, as far as the manifests know them."""

    application: set[str] = field(default_factory=set)
    delegated: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)

    def misfits(self, manifest: Manifest) -> list[str]:
        """What does not fit ``manifest`` (empty when everything does)."""
        roles = min((self.roles - set(manifest.roles_for(flag)) for flag in (False, True)), key=len)
        return sorted(
            (self.application - set(manifest.application_permissions))
            | (self.delegated - set(manifest.delegated_permissions))
            | roles
        )


def _permission(permission_id: object, kind: PermissionType) -> str | None:
    """The manifest name of a permission id, or ``None``."""
    if permission_id is None or permission_id is UNKNOWN:
        return None
    permission = graph_permission_by_id(text(permission_id), kind)
    return permission.name if permission is not None else None


def _rights(
    application: PolicyResource, resources: Sequence[PolicyResource], principals: Principals
) -> _Rights:
    """What the application requests and what its service principals hold."""
    rights = _Rights()
    accesses = elements(read(application.props, "requiredResourceAccesses"))
    for access in [] if accesses is UNKNOWN else accesses:
        entries = elements(read(access, "resourceAccesses"))
        for entry in [] if entries is UNKNOWN else entries:
            kind = read(entry, "type")
            if kind == "Role":
                rights.application.add(
                    _permission(read(entry, "id"), PermissionType.APPLICATION) or ""
                )
            elif kind == "Scope":
                rights.delegated.add(_permission(read(entry, "id"), PermissionType.DELEGATED) or "")
    service_principals = principals.service_principals_of(application)

    def held_by_ours(grant: PolicyResource, prop: str) -> bool:
        found = principals.recipients(grant, prop, among=service_principals)
        return found is not UNKNOWN and bool(found)

    for grant in of_type(resources, types.APP_ROLE_ASSIGNMENT):
        if held_by_ours(grant, "principalObjectId"):
            name = _permission(read(grant.props, "appRoleId"), PermissionType.APPLICATION)
            rights.application.add(name or "")
    for grant in of_type(resources, types.DELEGATED_PERMISSION_GRANT):
        if held_by_ours(grant, "servicePrincipalObjectId"):
            claims = elements(read(grant.props, "claimValues"))
            rights.delegated.update(text(c) for c in ([] if claims is UNKNOWN else claims))
    for assignment in of_type(resources, types.DIRECTORY_ROLE_ASSIGNMENT):
        if held_by_ours(assignment, "principalObjectId"):
            role_id = read(assignment.props, "roleId")
            if role_id is not None and role_id is not UNKNOWN:
                rights.roles.add(directory_role_name(text(role_id)) or "")
    rights.application &= _KNOWN_APPLICATION
    rights.delegated &= _KNOWN_DELEGATED
    rights.roles &= _KNOWN_ROLES
    return rights


def validate_single_manifest(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each application's rights fit one manifest."""
    principals = Principals.of(args.resources)
    for application in principals.component_applications:
        rights = _rights(application, args.resources, principals)
        misfits = {version: rights.misfits(m) for version, m in MANIFESTS.items()}
        if all(misfits.values()):
            beyond = "; ".join(
                f"{version} does not have {', '.join(names)}" for version, names in misfits.items()
            )
            report_violation(
                f"{label(application)} requests or holds rights of more than one Privilege "
                f"Secure manifest ({beyond}): deploy one manifest (privilegeSecureVersion)",
                application.urn,
            )


SINGLE_MANIFEST_DECLARATION: Final = Declaration(
    name=MANIFEST_POLICY,
    description=(
        "What the application requests and its service principal holds (permissions and "
        "directory roles) fits one Privilege Secure manifest, never a mix of versions."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    kind=Kind.STACK,
    validate=validate_single_manifest,
    remediation=(
        "Deploy the permissions and roles of one manifest "
        "(policies/src/entra_vocabulary/manifests.py) through the component's "
        "privilegeSecureVersion; remove the rest."
    ),
    tags=("entra-id", "tier-0", "least-privilege"),
)
