"""The pack's policies, in one list: what ``__main__.py`` serves and what the tests exercise."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Policy

from entra_guard.application_surface import no_sign_in_surface_policy, single_tenant_policy
from entra_guard.component_children import component_children_policy
from entra_guard.component_shape import component_shape_policy
from entra_guard.consent import consent_policy
from entra_guard.credentials import (
    Clock,
    client_secrets_only_policy,
    secret_count_policy,
    secret_expired_policy,
    secret_expiry_policy,
    utc_now,
)
from entra_guard.directory_roles import directory_role_policy
from entra_guard.grant_recipients import grant_recipients_policy
from entra_guard.graph_permissions import (
    application_permissions_policy,
    delegated_permissions_policy,
)
from entra_guard.manifest_match import single_manifest_policy
from entra_guard.ownership import ownership_policy
from entra_guard.pinned_principal import pinned_principal_policy
from entra_guard.resource_allowlist import resource_types_policy
from entra_guard.role_paths import role_paths_policy
from entra_guard.stewardship import first_party_policy, owners_policy, protect_policy

PACK_NAME: Final = "privilege-secure-entra-guard"


def build_policies(clock: Clock = utc_now) -> list[Policy]:
    """Every policy of the pack; ``clock`` is the time the secret expiry is measured from."""
    return [
        application_permissions_policy(),
        delegated_permissions_policy(),
        directory_role_policy(),
        secret_expiry_policy(clock),
        secret_count_policy(),
        single_tenant_policy(),
        no_sign_in_surface_policy(),
        consent_policy(),
        first_party_policy(),
        owners_policy(),
        protect_policy(),
        # Outside-in (issue #8): every type, credential, owner, role path and grant recipient.
        resource_types_policy(),
        client_secrets_only_policy(),
        secret_expired_policy(clock),
        ownership_policy(),
        role_paths_policy(),
        grant_recipients_policy(),
        single_manifest_policy(),
        component_children_policy(),
        component_shape_policy(),
        pinned_principal_policy(),
    ]
