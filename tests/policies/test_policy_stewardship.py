"""First-party service principals, owners, and protect on production stacks."""

from __future__ import annotations

import pytest

from entra_vocabulary import resource_types as types
from entra_vocabulary.microsoft_ids import (
    AZURE_AD_GRAPH_APP_ID,
    EXCHANGE_ONLINE_APP_ID,
    MICROSOFT_GRAPH_APP_ID,
    SHAREPOINT_ONLINE_APP_ID,
)
from mock_engine.engine import DeclaredResource
from tests.policies.policy_harness import (
    DEPLOYER,
    UNKNOWN,
    application,
    check,
    resource,
    service_principal,
)

FIRST_PARTY = "graph-service-principal-not-managed"
OWNERS = "owners-restricted"
PROTECT = "protect-production"
OTHER_OWNER = "2e2e2e2e-0000-4000-8000-000000000002"


def _sp_for(client_id: str) -> DeclaredResource:
    return resource(
        types.SERVICE_PRINCIPAL, "managed", {"clientId": client_id, "useExisting": True}
    )


def test_our_service_principal_with_an_unknown_client_id_passes() -> None:
    assert check(FIRST_PARTY, service_principal()).passed


@pytest.mark.parametrize(
    ("client_id", "name"),
    [
        (MICROSOFT_GRAPH_APP_ID, "Microsoft Graph"),
        (SHAREPOINT_ONLINE_APP_ID, "Office 365 SharePoint Online"),
        (AZURE_AD_GRAPH_APP_ID, "Azure Active Directory Graph"),
        (EXCHANGE_ONLINE_APP_ID, "Office 365 Exchange Online"),
        ("00000009-0000-0000-c000-000000000000", "reserved well-known id range"),
    ],
)
def test_a_managed_first_party_service_principal_is_denied(client_id: str, name: str) -> None:
    outcome = check(FIRST_PARTY, _sp_for(client_id))

    assert outcome.only_violation.startswith(f"clientId {client_id} is ")
    assert name in outcome.violations[0]
    assert "azuread.get_service_principal(client_id=...)" in outcome.violations[0]


def test_additional_first_party_ids_are_configurable() -> None:
    client_id = "4a4a4a4a-0000-4000-8000-000000000004"

    assert check(FIRST_PARTY, _sp_for(client_id)).passed
    config = {"additionalFirstPartyClientIds": [client_id.upper()]}
    assert not check(FIRST_PARTY, _sp_for(client_id), config).passed


def test_one_owner_passes_and_none_is_flagged() -> None:
    assert check(OWNERS, application()).passed
    outcome = check(OWNERS, application(owners=[]))

    assert outcome.violations == [
        "owners is empty; set 1 to 3 owners so that someone is accountable for the application"
    ]


def test_too_many_owners_are_flagged_and_the_knob_applies() -> None:
    four = application(owners=[f"{i}e2e2e2e-0000-4000-8000-000000000002" for i in range(4)])

    assert check(OWNERS, four).violations[0].startswith("owners has 4 entries; at most 3")
    assert check(OWNERS, four, {"maxOwners": 4}).passed


def test_owners_outside_the_allowlist_are_flagged() -> None:
    config = {"allowedOwnerObjectIds": [DEPLOYER]}

    assert check(OWNERS, service_principal(), config).passed
    outcome = check(OWNERS, service_principal(owners=[DEPLOYER, OTHER_OWNER]), config)
    assert outcome.only_violation.startswith(
        f"owners[1] {OTHER_OWNER} is not in allowedOwnerObjectIds"
    )


def test_application_owner_resources_are_checked_against_the_allowlist() -> None:
    owner = resource(
        types.APPLICATION_OWNER,
        "extra-owner",
        {"applicationId": UNKNOWN, "ownerObjectId": OTHER_OWNER},
    )

    assert check(OWNERS, owner).passed
    assert not check(OWNERS, owner, {"allowedOwnerObjectIds": [DEPLOYER]}).passed


def test_unknown_owners_are_advisory() -> None:
    outcome = check(OWNERS, application(owners=UNKNOWN))

    assert outcome.violations == []
    assert outcome.unknown is not None
    assert "owners" in outcome.unknown


def test_unprotected_production_application_is_flagged() -> None:
    prod = resource(types.APPLICATION, "app", {}, stack="prod-eu")

    outcome = check(PROTECT, prod)

    assert outcome.violations == [
        "protect is not set on stack prod-eu (matches protectedStacks ['prod*']); set "
        "ResourceOptions(protect=True) so that a destroy cannot delete it"
    ]


def test_protected_production_and_unprotected_dev_pass() -> None:
    assert check(PROTECT, resource(types.APPLICATION, "app", {}, stack="prod", protect=True)).passed
    assert check(PROTECT, resource(types.SERVICE_PRINCIPAL, "sp", {}, stack="dev")).passed


def test_the_protected_stacks_knob_applies() -> None:
    staging = resource(types.SERVICE_PRINCIPAL, "sp", {}, stack="staging")

    assert not check(PROTECT, staging, {"protectedStacks": ["staging", "prod*"]}).passed


@pytest.mark.parametrize("use_existing", [True, UNKNOWN])
def test_an_adopted_service_principal_is_denied_even_when_the_switch_is_unknown(
    use_existing: object,
) -> None:
    """A second ServicePrincipal that adopts ours (or Microsoft's) and sets its owners."""
    adopted = service_principal(useExisting=use_existing)

    outcome = check("owners-from-component", adopted)

    assert outcome.only_violation.startswith("useExisting is")
