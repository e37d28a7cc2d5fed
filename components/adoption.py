"""Adopt a registration made by hand: the ``adopt`` config object and the import ids it gives.

With ``adopt`` set, the component declares each matching child with Pulumi's ``import`` resource
option, so the first ``pulumi up`` takes over the existing application, service principal,
consents and role assignments instead of creating a second Tier-0 app beside them. In current
Pulumi an import whose inputs differ succeeds and the update then applies the program's inputs
(pulumi/pulumi#19339; the ``import`` option's documentation), so one run adopts and corrects.

Which import id each resource takes is the azuread provider's documented format (copied below
from the provider schema's ``## Import`` sections). Client secrets cannot be imported: the program
always creates its own, and the README's runbook covers switching Privilege Secure to them.

Every value is checked before any resource is declared; a refusal is one line naming ``adopt``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, NoReturn

import pulumi

from components.settings import OBJECT_ID_PATTERN, SETTINGS_BY_ARG, InvalidSettingError
from entra_vocabulary.manifests import MANIFESTS, Manifest
from entra_vocabulary.resource_types import (
    APP_ROLE_ASSIGNMENT,
    APPLICATION,
    APPLICATION_PASSWORD,
    DELEGATED_PERMISSION_GRANT,
    DIRECTORY_ROLE_ASSIGNMENT,
    SERVICE_PRINCIPAL,
)

KEY: Final = "adopt"
"""The stack config key (and the component arg)."""

APPLICATION_OBJECT_ID: Final = "applicationObjectId"
SERVICE_PRINCIPAL_OBJECT_ID: Final = "servicePrincipalObjectId"
APP_ROLE_ASSIGNMENT_IDS: Final = "appRoleAssignmentIds"
DELEGATED_PERMISSION_GRANT_ID: Final = "delegatedPermissionGrantId"
DIRECTORY_ROLE_ASSIGNMENT_IDS: Final = "directoryRoleAssignmentIds"

FIELDS: Final = (
    APPLICATION_OBJECT_ID,
    SERVICE_PRINCIPAL_OBJECT_ID,
    APP_ROLE_ASSIGNMENT_IDS,
    DELEGATED_PERMISSION_GRANT_ID,
    DIRECTORY_ROLE_ASSIGNMENT_IDS,
)
"""The keys of the ``adopt`` object, in the README's order. The first two are required."""

REQUIRED_FIELDS: Final = (APPLICATION_OBJECT_ID, SERVICE_PRINCIPAL_OBJECT_ID)

IMPORT_ID_FORMATS: Final[dict[str, str]] = {
    # Source: the pulumi-azuread provider schema (pulumi-azuread 6.x, as pinned in
    # requirements.txt), each resource's "## Import" section; copied, with the examples, into
    # tests/fixtures/azuread_import_ids.md, which tests/test_adoption.py checks these against.
    APPLICATION: "/applications/{objectId}",
    SERVICE_PRINCIPAL: "/servicePrincipals/{objectId}",
    APP_ROLE_ASSIGNMENT: "/servicePrincipals/{resourceObjectId}/appRoleAssignedTo/{assignmentId}",
    DELEGATED_PERMISSION_GRANT: "/oauth2PermissionGrants/{grantId}",
    DIRECTORY_ROLE_ASSIGNMENT: "{assignmentId}",
}
"""Resource type token to the provider's import id format, ``{placeholders}`` for Graph ids."""

NOT_IMPORTABLE: Final = (APPLICATION_PASSWORD,)
"""The provider schema: "This resource does not support importing." New secrets are created."""

_OPAQUE_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""Graph's app role assignment, grant and role assignment ids: base64url text, never a path."""

_OPAQUE_ALLOWED: Final = "Graph's id as exported (letters, digits, '-' and '_')"


ADOPT_LEFT_IN_CONFIG_WARNING: Final = (
    "adopt is set: remove it from the stack config once the adoption's `pulumi up` succeeded "
    "(README: Adopting, step 8); left in place, an adopted object deleted in the portal is not "
    "recreated: the next `pulumi up` tries to import its dead id and fails"
)
"""One line, on every run while ``adopt`` is set: leaving it is not harmless after drift."""


@dataclass(frozen=True)
class Adoption:
    """What to import; empty (``Adoption()``) when nothing is adopted."""

    application_object_id: str | None = None
    service_principal_object_id: str | None = None
    app_role_assignment_ids: Mapping[str, str] = field(default_factory=dict)
    """Application permission name to its app role assignment id."""
    delegated_permission_grant_id: str | None = None
    directory_role_assignment_ids: Mapping[str, str] = field(default_factory=dict)
    """Directory role name to its role assignment id."""

    def application(self) -> pulumi.ResourceOptions:
        return _imported(APPLICATION, self.application_object_id)

    def service_principal(self) -> pulumi.ResourceOptions:
        return _imported(SERVICE_PRINCIPAL, self.service_principal_object_id)

    def app_role_assignment(
        self, permission: str, resource_object_id: str
    ) -> pulumi.ResourceOptions:
        """``resource_object_id``: the object id of the service principal the role belongs to."""
        assignment_id = self.app_role_assignment_ids.get(permission)
        if assignment_id is None:
            return pulumi.ResourceOptions()
        return _imported(APP_ROLE_ASSIGNMENT, resource_object_id, assignment_id)

    def delegated_permission_grant(self) -> pulumi.ResourceOptions:
        return _imported(DELEGATED_PERMISSION_GRANT, self.delegated_permission_grant_id)

    def directory_role_assignment(self, role: str) -> pulumi.ResourceOptions:
        return _imported(DIRECTORY_ROLE_ASSIGNMENT, self.directory_role_assignment_ids.get(role))


def import_id(type_token: str, *graph_ids: str) -> str:
    """The provider's import id for a resource of ``type_token`` from its Graph ids, in order."""
    template = IMPORT_ID_FORMATS[type_token]
    placeholders = re.findall(r"\{(\w+)\}", template)
    if len(placeholders) != len(graph_ids):
        raise ValueError(f"{type_token} takes {len(placeholders)} ids, not {len(graph_ids)}")
    for placeholder, graph_id in zip(placeholders, graph_ids, strict=True):
        template = template.replace("{" + placeholder + "}", graph_id, 1)
    return template


def _imported(type_token: str, *graph_ids: str | None) -> pulumi.ResourceOptions:
    if not all(graph_ids):
        return pulumi.ResourceOptions()
    return pulumi.ResourceOptions(import_=import_id(type_token, *(str(i) for i in graph_ids)))


def adoption_from_args(args: Mapping[str, object], where: str) -> Adoption:
    """The checked ``adopt`` arg of a component's args (defaults applied), or ``Adoption()``."""
    raw = args.get("adopt")
    if raw is None:
        return Adoption()
    version = args.get(
        "privilege_secure_version", SETTINGS_BY_ARG["privilege_secure_version"].default
    )
    manage_global_administrators = args.get(
        "manage_global_administrators", SETTINGS_BY_ARG["manage_global_administrators"].default
    )
    manifest = MANIFESTS[str(version)]
    return parse_adoption(
        raw, manifest, manifest.roles_for(manage_global_administrators is True), where
    )


def parse_adoption(raw: object, manifest: Manifest, roles: tuple[str, ...], where: str) -> Adoption:
    """Check the ``adopt`` object against the stack's manifest and roles; one-line refusals."""
    here = f"{where}{KEY}"
    if not isinstance(raw, Mapping):
        raise InvalidSettingError(f"{here}: expected a JSON object with keys {', '.join(FIELDS)}")
    for key in raw:
        if key not in FIELDS:
            raise InvalidSettingError(f"{here}.{key}: unknown key; allowed: {', '.join(FIELDS)}")
    for key in REQUIRED_FIELDS:
        if key not in raw:
            raise InvalidSettingError(
                f"{here}.{key}: missing; both {' and '.join(REQUIRED_FIELDS)} are required"
            )
    application = _object_id(raw[APPLICATION_OBJECT_ID], f"{here}.{APPLICATION_OBJECT_ID}")
    service_principal = _object_id(
        raw[SERVICE_PRINCIPAL_OBJECT_ID], f"{here}.{SERVICE_PRINCIPAL_OBJECT_ID}"
    )
    if application.lower() == service_principal.lower():
        raise InvalidSettingError(
            f"{here}: applicationObjectId and servicePrincipalObjectId are the same object id; "
            "the service principal has its own (servicePrincipal.json's id)"
        )
    app_roles = _named_ids(
        raw.get(APP_ROLE_ASSIGNMENT_IDS, {}),
        manifest.application_permissions,
        f"{here}.{APP_ROLE_ASSIGNMENT_IDS}",
        f"an application permission of the {manifest.version} manifest",
    )
    grant: str | None = None
    if DELEGATED_PERMISSION_GRANT_ID in raw:
        if not manifest.delegated_permissions:
            raise InvalidSettingError(
                f"{here}.{DELEGATED_PERMISSION_GRANT_ID}: the {manifest.version} manifest has no "
                "delegated permissions, so there is no grant to adopt; remove the key"
            )
        grant = _opaque_id(
            raw[DELEGATED_PERMISSION_GRANT_ID], f"{here}.{DELEGATED_PERMISSION_GRANT_ID}"
        )
    role_ids = _named_ids(
        raw.get(DIRECTORY_ROLE_ASSIGNMENT_IDS, {}),
        roles,
        f"{here}.{DIRECTORY_ROLE_ASSIGNMENT_IDS}",
        "a directory role this stack assigns",
    )
    every_id = [*app_roles.values(), *role_ids.values(), *([grant] if grant else [])]
    if len(set(every_id)) != len(every_id):
        raise InvalidSettingError(
            f"{here}: the same id is given twice; each Entra object is adopted by one resource"
        )
    return Adoption(application, service_principal, app_roles, grant, role_ids)


def _object_id(value: object, here: str) -> str:
    if isinstance(value, str) and OBJECT_ID_PATTERN.fullmatch(value):
        return value.lower()
    return _refuse(here, value, "an object id (a GUID)")


def _opaque_id(value: object, here: str) -> str:
    if isinstance(value, str) and _OPAQUE_ID.fullmatch(value):
        return value
    return _refuse(here, value, _OPAQUE_ALLOWED)


def _named_ids(value: object, names: tuple[str, ...], here: str, what: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        _refuse(here, value, "a JSON object of name to id")
    ids: dict[str, str] = {}
    for name, graph_id in value.items():
        if name not in names:
            raise InvalidSettingError(
                f"{here}: {name!r} is not {what}; allowed: {', '.join(names) or 'none'}"
            )
        ids[str(name)] = _opaque_id(graph_id, f"{here}[{name!r}]")
    return ids


def _refuse(here: str, value: object, allowed: str) -> NoReturn:
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    raise InvalidSettingError(f"{here}: got {shown}; allowed: {allowed}")
