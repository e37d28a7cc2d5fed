"""Read an export of a hand-made registration: five Microsoft Graph v1.0 response bodies.

Each file must be the response it is named for (its ``@odata.context`` says which), complete (no
``@odata.nextLink``: every page exported), and about the same app: the service principal of the
application, the assignments, grants and role assignments of that service principal. Anything
else is refused with one line (``ExportError``), because an audit of the wrong object is worse
than none. Nothing here keeps a credential's ``hint`` or ``secretText``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from components.settings import OBJECT_ID_PATTERN

FILES: Final[dict[str, str]] = {
    "application.json": "GET /applications/{objectId}",
    "servicePrincipal.json": "GET /servicePrincipals/{objectId}",
    "appRoleAssignments.json": "GET /servicePrincipals/{id}/appRoleAssignments",
    "oauth2PermissionGrants.json": "GET /oauth2PermissionGrants?$filter=clientId eq '{id}'",
    "roleAssignments.json": (
        "GET /roleManagement/directory/roleAssignments?$filter=principalId eq '{id}'"
    ),
}
"""The export's file names and the Graph v1.0 request each one holds the response of."""

_CONTEXTS: Final[dict[str, Callable[[str], bool]]] = {
    "application.json": lambda c: "#applications" in c and c.endswith("/$entity"),
    "servicePrincipal.json": lambda c: "#servicePrincipals" in c and c.endswith("/$entity"),
    "appRoleAssignments.json": lambda c: (
        "#servicePrincipals(" in c and c.endswith("/appRoleAssignments")
    ),
    "oauth2PermissionGrants.json": lambda c: c.endswith("#oauth2PermissionGrants"),
    "roleAssignments.json": lambda c: c.endswith("#roleManagement/directory/roleAssignments"),
}


class ExportError(ValueError):
    """An export that cannot be audited; ``str()`` is the one-line reason."""


@dataclass(frozen=True)
class Credential:
    """A password or certificate of the application or service principal (never its value)."""

    owner: str
    """``application`` or ``service principal``."""
    kind: str
    """``password`` or ``certificate``."""
    key_id: str
    display_name: str
    end: str
    """``endDateTime`` as Graph gave it (ISO 8601, UTC)."""


@dataclass(frozen=True)
class Export:
    """The five responses, checked; lists are the ``value`` of each collection."""

    folder: Path
    application: dict[str, Any]
    service_principal: dict[str, Any]
    app_role_assignments: list[dict[str, Any]]
    oauth2_permission_grants: list[dict[str, Any]]
    role_assignments: list[dict[str, Any]]

    @property
    def credentials(self) -> list[Credential]:
        found = []
        for owner, entity in (
            ("application", self.application),
            ("service principal", self.service_principal),
        ):
            for kind, key in (
                ("password", "passwordCredentials"),
                ("certificate", "keyCredentials"),
            ):
                for credential in entity.get(key) or []:
                    found.append(
                        Credential(
                            owner=owner,
                            kind=kind,
                            key_id=str(credential.get("keyId")),
                            display_name=str(credential.get("displayName") or ""),
                            end=str(credential.get("endDateTime") or "never"),
                        )
                    )
        return found


def read_export(folder: Path) -> Export:
    """The export in ``folder``; ``ExportError`` for anything incomplete, foreign or unreadable."""
    if not folder.is_dir():
        raise ExportError(f"{folder}: not a folder (expected the five files of the export)")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise ExportError(
            f"{folder}: incomplete export, missing {', '.join(missing)} "
            f"(expected {', '.join(FILES)})"
        )
    bodies = {name: _read(folder / name) for name in FILES}
    application = _entity(bodies, "application.json", ("id", "appId"))
    service_principal = _entity(bodies, "servicePrincipal.json", ("id", "appId"))
    if service_principal["appId"].lower() != application["appId"].lower():
        raise ExportError(
            f"{folder / 'servicePrincipal.json'}: the service principal of app "
            f"{service_principal['appId']}, not of application.json's app {application['appId']}"
        )
    sp_id = service_principal["id"].lower()
    return Export(
        folder=folder,
        application=application,
        service_principal=service_principal,
        app_role_assignments=_collection(
            bodies,
            "appRoleAssignments.json",
            ("id", "appRoleId", "resourceId"),
            "principalId",
            sp_id,
        ),
        oauth2_permission_grants=_collection(
            bodies,
            "oauth2PermissionGrants.json",
            ("id", "resourceId", "consentType"),
            "clientId",
            sp_id,
        ),
        role_assignments=_collection(
            bodies, "roleAssignments.json", ("id", "roleDefinitionId"), "principalId", sp_id
        ),
    )


def _read(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ExportError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not text (expected Graph's JSON response)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None


def _checked_context(bodies: Mapping[str, object], name: str) -> dict[str, Any]:
    body = bodies[name]
    context = body.get("@odata.context") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(context, str) or not _CONTEXTS[name](context):
        shown = (
            f"@odata.context is {context!r}" if isinstance(context, str) else "no @odata.context"
        )
        raise ExportError(f"{name}: not Graph's response to {FILES[name]} ({shown})")
    return body


_OBJECT_LISTS: Final = ("owners", "passwordCredentials", "keyCredentials", "requiredResourceAccess")
"""Lists of objects the audit reads from the application and service principal."""


def _entity(bodies: Mapping[str, object], name: str, guids: tuple[str, ...]) -> dict[str, Any]:
    body = _checked_context(bodies, name)
    for key in guids:
        value = body.get(key)
        if not isinstance(value, str) or not OBJECT_ID_PATTERN.fullmatch(value):
            raise ExportError(f"{name}: {key} is {_short(value)}, not a GUID")
    for key in _OBJECT_LISTS:
        _objects(body.get(key), f"{name}: {key}")
    for access in body.get("requiredResourceAccess") or []:
        _objects(access.get("resourceAccess"), f"{name}: requiredResourceAccess.resourceAccess")
    return body


def _objects(value: object, where: str) -> None:
    """Absent, or a list of JSON objects: anything else is not what Graph returns."""
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        # Names the type only: a credential's fields (its hint) never reach a message.
        kind = type(value).__name__ if not isinstance(value, list) else "a list of other things"
        raise ExportError(f"{where} is {kind}, not a list of objects as Graph returns")


def _collection(
    bodies: Mapping[str, object],
    name: str,
    required: tuple[str, ...],
    principal_key: str,
    service_principal_id: str,
) -> list[dict[str, Any]]:
    body = _checked_context(bodies, name)
    if "@odata.nextLink" in body:
        raise ExportError(
            f"{name}: only the first page (@odata.nextLink is set); export every page"
        )
    items = body.get("value")
    if not isinstance(items, list):
        raise ExportError(f"{name}: no value list, so not Graph's response to {FILES[name]}")
    for item in items:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in required):
            raise ExportError(f"{name}: an item without {', '.join(required)}: {_short(item)}")
        principal = str(item.get(principal_key) or "").lower()
        if principal != service_principal_id:
            raise ExportError(
                f"{name}: {item['id']} belongs to {principal_key} {principal or 'none'}, not to "
                f"servicePrincipal.json's {service_principal_id}; export the same app's objects"
            )
    return items


def _short(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
