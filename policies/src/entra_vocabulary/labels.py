"""Names for Microsoft's GUIDs, and the pack's defaults, from the repository's one table.

Every permission id comes from Microsoft's full published table (``microsoft_ids`` reads
``graph_permission_ids.md``), so every Graph permission is named in messages and any published
name can be allowlisted; role template ids come from ``microsoft_ids`` and every default
allowlist from ``manifests``: the pack, the program and the offline preview label with these
functions and cannot drift apart. A GUID Microsoft does not publish is reported as such (and is
never allowed, since allowlists are by name).
"""

from __future__ import annotations

from typing import Final

from entra_vocabulary.manifests import GLOBAL_ADMINISTRATOR, MANIFESTS
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    GRAPH_PERMISSION_TABLE,
    MICROSOFT_GRAPH_APP_ID,
    GraphPermission,
    PermissionType,
    directory_role_name,
    same_guid,
)

GRAPH_APP_ID: Final = MICROSOFT_GRAPH_APP_ID
GLOBAL_ADMINISTRATOR_ROLE: Final = GLOBAL_ADMINISTRATOR

DEFAULT_APPLICATION_PERMISSIONS: Final[tuple[str, ...]] = tuple(
    sorted({name for m in MANIFESTS.values() for name in m.application_permissions})
)
"""Union of every Privilege Secure manifest's Graph application permissions."""

DEFAULT_DELEGATED_PERMISSIONS: Final[tuple[str, ...]] = tuple(
    sorted({name for m in MANIFESTS.values() for name in m.delegated_permissions})
)
"""Union of every manifest's delegated permissions (``User.Read``)."""

DEFAULT_DIRECTORY_ROLES: Final[tuple[str, ...]] = tuple(
    sorted({role for m in MANIFESTS.values() for role in m.directory_roles})
)
"""Union of every manifest's directory roles; Global Administrator needs its own switch."""


def is_graph(app_id: str) -> bool:
    """Whether an application (client) id is Microsoft Graph's."""
    return same_guid(app_id, GRAPH_APP_ID)


_BY_ID: Final = {(p.type, p.id.lower()): p for p in GRAPH_PERMISSION_TABLE}
_BY_NAME: Final = {(p.type, p.name): p for p in GRAPH_PERMISSION_TABLE}


def graph_permission_by_id(permission_id: str, type: PermissionType) -> GraphPermission | None:
    """The row of Microsoft's full table for a Graph permission id of the given type."""
    return _BY_ID.get((type, permission_id.strip().lower()))


def graph_permission_by_name(name: str, type: PermissionType) -> GraphPermission | None:
    """The row of Microsoft's full table for a Graph permission name of the given type."""
    return _BY_NAME.get((type, name))


def describe_permission_id(permission_id: str, type: PermissionType) -> str:
    """``Name (guid)`` for a message; the GUID, marked, when Microsoft publishes no such id."""
    permission = graph_permission_by_id(permission_id, type)
    if permission is None:
        return (
            f"{permission_id} (Microsoft Graph publishes no {type.value.lower()} permission of "
            "that id: another API's, or made up)"
        )
    return f"{permission.name} ({permission.id})"


def describe_permission_name(name: str, type: PermissionType) -> str:
    """``Name (guid)`` for a permission named by a delegated grant's ``claimValues``."""
    permission = graph_permission_by_name(name, type)
    return name if permission is None else f"{permission.name} ({permission.id})"


def directory_role_id(name: str) -> str | None:
    """The template id of a built-in role name, or ``None``."""
    return DIRECTORY_ROLE_TEMPLATE_IDS.get(name)


def describe_role_id(template_id: str) -> str:
    """``Name (guid)`` for a message; the GUID, marked, when it is no built-in role we know."""
    name = directory_role_name(template_id)
    if name is None:
        return (
            f"{template_id} (no role template in entra_vocabulary.microsoft_ids; "
            "a custom role or another built-in role)"
        )
    return f"{name} ({DIRECTORY_ROLE_TEMPLATE_IDS[name]})"


def listing(names: tuple[str, ...] | list[str]) -> str:
    """A short, stable rendering of an allowlist for messages."""
    return "[" + ", ".join(sorted(names)) + "]" if names else "[] (nothing)"


def permission_name(permission_id: str, type: PermissionType) -> str:
    """The offline preview's name for a Graph permission id: Microsoft's, or
    ``UNKNOWN PERMISSION`` when Microsoft publishes no permission of that id and type."""
    permission = graph_permission_by_id(permission_id, type)
    return "UNKNOWN PERMISSION" if permission is None else permission.name


def permission_label(permission_id: str, type: PermissionType) -> str:
    """``User.Read (e1fe6dd8-…)``, as the offline preview shows a Graph permission."""
    return f"{permission_name(permission_id, type)} ({permission_id})"


def role_name(template_id: str) -> str:
    """The offline preview's name for a role template id, ``UNKNOWN ROLE`` when not built in."""
    return directory_role_name(template_id) or "UNKNOWN ROLE"


def role_label(template_id: str) -> str:
    """``User Administrator (fe930be7-…)``, as the offline preview shows a directory role."""
    return f"{role_name(template_id)} ({template_id})"
