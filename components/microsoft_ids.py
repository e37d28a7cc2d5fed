"""Microsoft's identifiers, by name: the one table every GUID in this program comes from.

A wrong GUID here grants the wrong right in somebody's tenant, so every row is pinned by
``tests/test_microsoft_ids.py`` against Microsoft's own tables (copied, with their source, into
``tests/fixtures/``). At deploy time the component also checks the permission ids against the
tenant's own Microsoft Graph service principal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


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

FIRST_PARTY_APPLICATIONS: Final[dict[str, str]] = {
    # Source: the well-known application ids the azuread provider publishes through
    # get_application_published_app_ids (manicminer/hamilton, environments/published.go).
    MICROSOFT_GRAPH_APP_ID: MICROSOFT_GRAPH_DISPLAY_NAME,
    "00000002-0000-0000-c000-000000000000": "Azure Active Directory Graph",
    "00000002-0000-0ff1-ce00-000000000000": "Office 365 Exchange Online",
    "00000003-0000-0ff1-ce00-000000000000": "Office 365 SharePoint Online",
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

GRAPH_PERMISSIONS: Final[tuple[GraphPermission, ...]] = (
    # Source: microsoftgraph/microsoft-graph-docs-contrib, concepts/includes/permissions-ids.md.
    GraphPermission("Directory.ReadWrite.All", _APP, "19dbc75e-c2e2-444c-a770-ec69d8559fc7"),
    GraphPermission("Group.ReadWrite.All", _APP, "62a82d76-70ea-41e2-9197-370581804d09"),
    GraphPermission("GroupMember.ReadWrite.All", _APP, "dbaae8cf-10b5-4b86-a4a1-f871c94c6695"),
    GraphPermission(
        "RoleManagement.ReadWrite.Directory", _APP, "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8"
    ),
    GraphPermission(
        "User-PasswordProfile.ReadWrite.All", _APP, "cc117bb9-00cf-4eb8-b580-ea2a878fe8f7"
    ),
    GraphPermission("User.EnableDisableAccount.All", _APP, "3011c876-62b7-4ada-afa2-506cbbecc68c"),
    GraphPermission("User.ReadWrite.All", _APP, "741f803b-c850-494e-b5df-cde7c675a1ca"),
    GraphPermission(
        "UserAuthenticationMethod.ReadWrite.All", _APP, "50483e42-d915-4231-9639-7fdb7fd190e5"
    ),
    GraphPermission("User.Read", _DELEGATED, "e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
)
"""Every Microsoft Graph permission any Privilege Secure manifest asks for."""

DIRECTORY_ROLE_TEMPLATE_IDS: Final[dict[str, str]] = {
    # Source: MicrosoftDocs/entra-docs, permissions-reference.md ("All roles" table).
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
}
"""Built-in directory role name to its template id (the same in every tenant)."""


def graph_permission(name: str, type: PermissionType) -> GraphPermission:
    """The table row for a permission; a ``KeyError`` names it when the table lacks it."""
    for permission in GRAPH_PERMISSIONS:
        if permission.name == name and permission.type is type:
            return permission
    raise KeyError(f"no {type.value} Microsoft Graph permission named {name!r} in the table")


def directory_role_name(template_id: str) -> str | None:
    """The role a template id stands for, or ``None`` when it is not one of ours."""
    for name, role_id in DIRECTORY_ROLE_TEMPLATE_IDS.items():
        if role_id == template_id.lower():
            return name
    return None
