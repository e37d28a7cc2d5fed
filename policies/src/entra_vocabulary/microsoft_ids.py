"""Microsoft's identifiers, by name: the one table every GUID in this program comes from.

Microsoft Graph's permissions are data: Microsoft's full published table, copied verbatim into
``graph_permission_ids.md`` beside this module and read here. A wrong GUID grants the wrong right
in somebody's tenant, so every row the program uses is pinned by ``tests/test_microsoft_ids.py``
against Microsoft's own tables (copied, with their source, into ``tests/fixtures/``). At deploy
time the component also checks the permission ids against the tenant's own Microsoft Graph
service principal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from entra_vocabulary.manifests import MANIFESTS


class PermissionType(StrEnum):
    """Whether a Graph permission is an app role (application) or an OAuth2 scope (delegated)."""

    APPLICATION = "Application"
    DELEGATED = "Delegated"

    @property
    def resource_access_type(self) -> str:
        """The ``type`` Entra uses in ``requiredResourceAccess``: ``Role`` or ``Scope``."""
        return "Role" if self is PermissionType.APPLICATION else "Scope"


@dataclass(frozen=True)
class GraphPermission:
    """One Microsoft Graph permission: its name, its type and Microsoft's id for it."""

    name: str
    type: PermissionType
    id: str


MICROSOFT_GRAPH_APP_ID: Final = "00000003-0000-0000-c000-000000000000"
"""Microsoft Graph's application (client) id, the same in every tenant."""

MICROSOFT_GRAPH_DISPLAY_NAME: Final = "Microsoft Graph"

AZURE_AD_GRAPH_APP_ID: Final = "00000002-0000-0000-c000-000000000000"
"""The retired Azure AD Graph API: not Microsoft Graph, so never a resource the app may request."""
EXCHANGE_ONLINE_APP_ID: Final = "00000002-0000-0ff1-ce00-000000000000"
SHAREPOINT_ONLINE_APP_ID: Final = "00000003-0000-0ff1-ce00-000000000000"

FIRST_PARTY_APPLICATIONS: Final[dict[str, str]] = {
    # Source: the well-known application ids the azuread provider publishes through
    # get_application_published_app_ids (manicminer/hamilton, environments/published.go).
    MICROSOFT_GRAPH_APP_ID: MICROSOFT_GRAPH_DISPLAY_NAME,
    AZURE_AD_GRAPH_APP_ID: "Azure Active Directory Graph",
    EXCHANGE_ONLINE_APP_ID: "Office 365 Exchange Online",
    SHAREPOINT_ONLINE_APP_ID: "Office 365 SharePoint Online",
    "00000004-0000-0ff1-ce00-000000000000": "Skype for Business Online",
    "00000007-0000-0ff1-ce00-000000000000": "Exchange Online Protection",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013": "Azure Service Management",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093": "Azure Key Vault",
    "c5393580-f805-4401-95e8-94b7a6ef2fc2": "Office 365 Management APIs",
}
"""Microsoft first-party application (client) ids, the same in every tenant, to their names.

Their service principals belong to Microsoft: a stack looks them up and never declares them.
"""

_APP = PermissionType.APPLICATION
_DELEGATED = PermissionType.DELEGATED

GRAPH_PERMISSION_TABLE_FILE: Final = Path(__file__).resolve().parent / "graph_permission_ids.md"
"""Microsoft's full published table of Graph permissions, copied verbatim (it names its source
and commit): data, not code. The policy pack names every id from it."""

_TABLE_ROW: Final = re.compile(
    r"^\|\s*(?P<name>[^|\s]+)\s*\|\s*(?P<type>Application|Delegated)\s*\|"
    r"\s*(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s*\|\s*$"
)


def _read_graph_permission_table(path: Path) -> tuple[GraphPermission, ...]:
    """Every ``| name | type | id |`` row of the table file (standard library only: the pack
    imports this module in a virtualenv with no extra packages)."""
    rows: list[GraphPermission] = []
    names: set[tuple[str, PermissionType]] = set()
    ids: set[tuple[str, PermissionType]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _TABLE_ROW.match(line)
        if match is None:
            continue
        row = GraphPermission(match["name"], PermissionType(match["type"]), match["id"].lower())
        # A second row for a name or an id would let an edit make an id pass under an allowed
        # name (red team RT-00b): the table refuses to load instead.
        if (row.name, row.type) in names or (row.id, row.type) in ids:
            raise ValueError(f"{path.name}: {row.type.value} {row.name} {row.id} is listed twice")
        names.add((row.name, row.type))
        ids.add((row.id, row.type))
        rows.append(row)
    return tuple(rows)


GRAPH_PERMISSION_TABLE: Final = _read_graph_permission_table(GRAPH_PERMISSION_TABLE_FILE)
"""Every Microsoft Graph permission Microsoft publishes (the one table of Graph ids)."""


def graph_permission(name: str, type: PermissionType) -> GraphPermission:
    """The table row for a permission; a ``KeyError`` names it when the table lacks it."""
    for permission in GRAPH_PERMISSION_TABLE:
        if permission.name == name and permission.type is type:
            return permission
    raise KeyError(f"no {type.value} Microsoft Graph permission named {name!r} in the table")


GRAPH_PERMISSIONS: Final[tuple[GraphPermission, ...]] = tuple(
    sorted(
        {
            graph_permission(name, type)
            for manifest in MANIFESTS.values()
            for type, names in (
                (_APP, manifest.application_permissions),
                (_DELEGATED, manifest.delegated_permissions),
            )
            for name in names
        },
        key=lambda permission: (permission.type is not _APP, permission.name),
    )
)
"""Every Microsoft Graph permission any Privilege Secure manifest asks for: rows of the table,
selected by the manifests' names (pinned by ``tests/test_microsoft_ids.py``)."""

DIRECTORY_ROLE_TEMPLATE_IDS: Final[dict[str, str]] = {
    # Source: MicrosoftDocs/entra-docs, permissions-reference.md ("All roles" table).
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
}
"""Built-in directory role name to its template id (the same in every tenant)."""

DIRECTORY_ROLE_FORMER_NAMES: Final[dict[str, frozenset[str]]] = {
    "Global Administrator": frozenset({"Company Administrator"}),
    "User Administrator": frozenset({"User Account Administrator"}),
}
"""Names some tenants still report for a built-in role template (Entra renamed them)."""


def same_guid(left: str, right: str) -> bool:
    """GUIDs compare case-insensitively (Entra returns them in either case)."""
    return left.strip().lower() == right.strip().lower()


def directory_role_name(template_id: str) -> str | None:
    """The built-in role a template id stands for, or ``None`` when the table lacks it."""
    for name, role_id in DIRECTORY_ROLE_TEMPLATE_IDS.items():
        if same_guid(role_id, template_id):
            return name
    return None


def pinned_permission_ids(type: PermissionType) -> dict[str, str]:
    """Name to id of every Graph permission of ``type`` a manifest asks for (``GRAPH_PERMISSIONS``):
    what the mock tenant publishes and the offline preview names."""
    return {p.name: p.id for p in GRAPH_PERMISSIONS if p.type is type}
