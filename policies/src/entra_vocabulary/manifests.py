"""What each Netwrix Privilege Secure version asks of Entra ID, as data.

The component reads these tables; it has no code path per version. Names here must exist in
``entra_vocabulary.microsoft_ids`` (a test checks that every name resolves to exactly one row).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

USER_ADMINISTRATOR: Final = "User Administrator"
GLOBAL_ADMINISTRATOR: Final = "Global Administrator"


@dataclass(frozen=True)
class Manifest:
    """The Graph permissions and directory roles one Privilege Secure version needs."""

    version: str
    application_permissions: tuple[str, ...]
    """Graph app roles, consented with one app role assignment each."""
    delegated_permissions: tuple[str, ...]
    """Graph OAuth2 scopes, consented with one tenant-wide delegated permission grant."""
    directory_roles: tuple[str, ...]
    """Directory roles assigned to the service principal (by built-in role name)."""
    source: str
    """Where Netwrix documents this manifest."""

    def roles_for(self, manage_global_administrators: bool) -> tuple[str, ...]:
        """The roles to assign: Global Administrator replaces User Administrator when asked.

        The seed's NOTE: User Administrator cannot manage Global Administrators; to manage them,
        assign Global Administrator *instead of* User Administrator.
        """
        if not manage_global_administrators:
            return self.directory_roles
        return tuple(
            GLOBAL_ADMINISTRATOR if role == USER_ADMINISTRATOR else role
            for role in self.directory_roles
        )


_NETWRIX_4_1: Final = Manifest(
    version="4.1",
    application_permissions=(
        "Directory.ReadWrite.All",
        "Group.ReadWrite.All",
        "User.ReadWrite.All",
        "RoleManagement.ReadWrite.Directory",
    ),
    delegated_permissions=("User.Read",),
    directory_roles=(USER_ADMINISTRATOR,),
    source="Netwrix Privilege Secure 4.1, Microsoft Entra ID App Registration",
)

MANIFESTS: Final[dict[str, Manifest]] = {
    "4.1": _NETWRIX_4_1,
    # Netwrix documents the very same procedure (permissions, delegated scope, role) for 4.2 and
    # 25.12: netwrix/docs, docs/privilegesecure/4.2/admin/configuration/serviceaccounts/
    # entraidappregistration.md and docs/privilegesecure/25.12/admin/configuration/
    # serviceaccounts/entraidappregistration.md.
    "4.2": replace(
        _NETWRIX_4_1,
        version="4.2",
        source="Netwrix Privilege Secure 4.2, Microsoft Entra ID App Registration "
        "(the 4.1 procedure, unchanged)",
    ),
    "25.12": replace(
        _NETWRIX_4_1,
        version="25.12",
        source="Netwrix Privilege Secure 25.12, Microsoft Entra ID App Registration "
        "(the 4.1 procedure, unchanged)",
    ),
    "26.03": Manifest(
        version="26.03",
        application_permissions=(
            "Directory.ReadWrite.All",
            "Group.ReadWrite.All",
            "GroupMember.ReadWrite.All",
            "RoleManagement.ReadWrite.Directory",
            "User-PasswordProfile.ReadWrite.All",
            # Netwrix's page spells it "UserEnableDisableAccount.All"; Microsoft's name is this.
            "User.EnableDisableAccount.All",
            "User.ReadWrite.All",
            "UserAuthenticationMethod.ReadWrite.All",
        ),
        delegated_permissions=(),
        directory_roles=(USER_ADMINISTRATOR, "Privileged Authentication Administrator"),
        source="Netwrix Privilege Secure 26.03, Microsoft Entra ID App Registration",
    ),
}
"""Privilege Secure version to its manifest, oldest first; ``4.1`` is the seed and the default."""

DEFAULT_VERSION: Final = "4.1"
