"""The pack's policies, in one list of declarations: what ``__main__.py`` serves and what the
tests exercise. Each is declared in its own module and built by ``declaration.build``."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Policy

from entra_guard.application_surface import (
    NO_SIGN_IN_SURFACE_DECLARATION,
    SINGLE_TENANT_DECLARATION,
)
from entra_guard.client_secrets_only import CLIENT_SECRETS_ONLY_DECLARATION
from entra_guard.component_children import COMPONENT_CHILDREN_DECLARATION
from entra_guard.component_shape import COMPONENT_SHAPE_DECLARATION
from entra_guard.consent import CONSENT_DECLARATION
from entra_guard.declaration import Clock, Declaration, build
from entra_guard.directory_roles import DIRECTORY_ROLE_DECLARATION
from entra_guard.first_party_principals import FIRST_PARTY_DECLARATION
from entra_guard.grant_recipients import GRANT_RECIPIENTS_DECLARATION
from entra_guard.graph_permissions import (
    APPLICATION_PERMISSIONS_DECLARATION,
    DELEGATED_PERMISSIONS_DECLARATION,
)
from entra_guard.helpers.pack_clock import utc_now
from entra_guard.manifest_match import SINGLE_MANIFEST_DECLARATION
from entra_guard.owners import OWNERS_DECLARATION
from entra_guard.ownership import OWNERSHIP_DECLARATION
from entra_guard.pinned_principal import PINNED_PRINCIPAL_DECLARATION
from entra_guard.protect import PROTECT_DECLARATION
from entra_guard.resource_allowlist import RESOURCE_TYPES_DECLARATION
from entra_guard.role_paths import ROLE_PATHS_DECLARATION
from entra_guard.secret_count import SECRET_COUNT_DECLARATION
from entra_guard.secret_dates import SECRET_EXPIRED_DECLARATION, SECRET_EXPIRY_DECLARATION

PACK_NAME: Final = "privilege-secure-entra-guard"

DECLARATIONS: Final[tuple[Declaration, ...]] = (
    APPLICATION_PERMISSIONS_DECLARATION,
    DELEGATED_PERMISSIONS_DECLARATION,
    DIRECTORY_ROLE_DECLARATION,
    SECRET_EXPIRY_DECLARATION,
    SECRET_COUNT_DECLARATION,
    SINGLE_TENANT_DECLARATION,
    NO_SIGN_IN_SURFACE_DECLARATION,
    CONSENT_DECLARATION,
    FIRST_PARTY_DECLARATION,
    OWNERS_DECLARATION,
    PROTECT_DECLARATION,
    # Outside-in (issue #8): every type, credential, owner, role path and grant recipient.
    RESOURCE_TYPES_DECLARATION,
    CLIENT_SECRETS_ONLY_DECLARATION,
    SECRET_EXPIRED_DECLARATION,
    OWNERSHIP_DECLARATION,
    ROLE_PATHS_DECLARATION,
    GRANT_RECIPIENTS_DECLARATION,
    SINGLE_MANIFEST_DECLARATION,
    COMPONENT_CHILDREN_DECLARATION,
    COMPONENT_SHAPE_DECLARATION,
    PINNED_PRINCIPAL_DECLARATION,
)
"""Every policy of the pack, in the order the pack serves them."""


def build_policies(clock: Clock = utc_now) -> list[Policy]:
    """Every policy of the pack; ``clock`` is the time the secret expiry is measured from."""
    return [build(declaration, clock) for declaration in DECLARATIONS]
