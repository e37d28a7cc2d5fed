"""Graph permission allowlists: application permissions (app roles) and delegated scopes."""

from __future__ import annotations

import pytest

from entra_vocabulary import resource_types as types
from entra_vocabulary.microsoft_ids import EXCHANGE_ONLINE_APP_ID as EXCHANGE_ONLINE
from entra_vocabulary.microsoft_ids import MICROSOFT_GRAPH_APP_ID, PermissionType, graph_permission
from mock_engine.engine import DeclaredResource
from tests.policies.policy_harness import (
    APP_ROLE_IDS,
    FOREIGN_PERMISSION_ID,
    UNKNOWN,
    USER_READ_ID,
    app_role_assignment,
    application,
    check,
    delegated_grant,
    resource,
    with_properties,
)

APP = "graph-application-permissions-allowlist"
DELEGATED = "graph-delegated-permissions-allowlist"
ROLE_MANAGEMENT = graph_permission("RoleManagement.ReadWrite.Directory", PermissionType.APPLICATION)
PASSWORD_PROFILE = graph_permission(
    "User-PasswordProfile.ReadWrite.All", PermissionType.APPLICATION
)


def _requesting(
    *entries: dict[str, object], resource_app_id: str = MICROSOFT_GRAPH_APP_ID
) -> DeclaredResource:
    """An application requesting exactly these resource accesses."""
    return application(
        requiredResourceAccesses=[
            {"resourceAppId": resource_app_id, "resourceAccesses": list(entries)}
        ]
    )


def test_the_programs_application_passes_both_allowlists() -> None:
    assert check(APP, application()).passed
    assert check(DELEGATED, application()).passed


def test_the_26_03_permissions_are_allowed_by_default() -> None:
    target = _requesting({"id": PASSWORD_PROFILE.id, "type": "Role"})

    assert check(APP, target).passed


def test_an_application_permission_outside_the_table_is_named_by_guid() -> None:
    outcome = check(APP, _requesting({"id": FOREIGN_PERMISSION_ID, "type": "Role"}))

    message = outcome.only_violation
    assert message.startswith("requiredResourceAccesses[0].resourceAccesses[0].id: application")
    assert FOREIGN_PERMISSION_ID in message
    assert "not in the allowlist [Directory.ReadWrite.All" in message


def test_the_allowlist_knob_narrows_by_name_and_the_message_names_the_permission() -> None:
    config = {"allowedPermissions": ["User.ReadWrite.All"]}

    outcome = check(APP, _requesting({"id": ROLE_MANAGEMENT.id, "type": "Role"}), config)

    assert outcome.violations == [
        "requiredResourceAccesses[0].resourceAccesses[0].id: application permission "
        f"RoleManagement.ReadWrite.Directory ({ROLE_MANAGEMENT.id}) is not in the allowlist "
        "[User.ReadWrite.All]"
    ]


def test_the_allowlist_knob_can_allow_a_permission() -> None:
    config = {"allowedPermissions": ["RoleManagement.ReadWrite.Directory"]}

    assert check(APP, _requesting({"id": ROLE_MANAGEMENT.id, "type": "Role"}), config).passed


def test_another_resource_application_is_denied() -> None:
    target = _requesting(
        {"id": FOREIGN_PERMISSION_ID, "type": "Role"}, resource_app_id=EXCHANGE_ONLINE
    )

    outcome = check(APP, target)

    assert outcome.violations == [
        f"requiredResourceAccesses[0].resourceAppId {EXCHANGE_ONLINE} is not Microsoft Graph; only "
        f"Microsoft Graph ({MICROSOFT_GRAPH_APP_ID}) permissions may be requested"
    ]


def test_scopes_are_not_the_application_policys_business() -> None:
    assert check(APP, _requesting({"id": FOREIGN_PERMISSION_ID, "type": "Scope"})).passed


def test_an_unknown_permission_id_is_a_violation_and_known_violations_still_count() -> None:
    target = _requesting(
        {"id": UNKNOWN, "type": "Role"}, {"id": FOREIGN_PERMISSION_ID, "type": "Role"}
    )

    outcome = check(APP, target)

    assert len(outcome.violations) == 2
    assert outcome.violations[0].startswith(
        "requiredResourceAccesses[0].resourceAccesses[0].id is unknown during preview"
    )
    assert FOREIGN_PERMISSION_ID in outcome.violations[1]


def test_unknown_requested_permissions_are_a_violation() -> None:
    outcome = check(APP, application(requiredResourceAccesses=UNKNOWN))

    assert outcome.only_violation.startswith("requiredResourceAccesses is unknown during preview")


@pytest.mark.parametrize(
    ("role_id", "allowed"),
    [(APP_ROLE_IDS["Directory.ReadWrite.All"], True), (FOREIGN_PERMISSION_ID, False)],
)
def test_app_role_assignments_are_checked(role_id: str, allowed: bool) -> None:
    outcome = check(APP, app_role_assignment("x", role_id))

    assert outcome.passed is allowed
    if not allowed:
        assert outcome.violations[0].startswith(f"appRoleId: application permission {role_id}")


def test_an_app_role_assignment_with_unknown_role_is_a_violation() -> None:
    outcome = check(APP, app_role_assignment("x", UNKNOWN))

    assert outcome.only_violation.startswith("appRoleId is unknown during preview")


def _api_access(api_client_id: str, **ids: list[str]) -> DeclaredResource:
    properties: dict[str, object] = {"applicationId": UNKNOWN, "apiClientId": api_client_id}
    properties.update(ids)
    return resource(types.APPLICATION_API_ACCESS, "graph-access", properties)


def test_application_api_access_role_ids_are_checked() -> None:
    good = _api_access(MICROSOFT_GRAPH_APP_ID, roleIds=[ROLE_MANAGEMENT.id])
    bad = _api_access(MICROSOFT_GRAPH_APP_ID, roleIds=[ROLE_MANAGEMENT.id, FOREIGN_PERMISSION_ID])

    assert check(APP, good).passed
    outcome = check(APP, bad)
    assert outcome.only_violation.startswith("roleIds[1]: application permission")


def test_application_api_access_for_another_api_is_denied() -> None:
    outcome = check(APP, _api_access(EXCHANGE_ONLINE, roleIds=[]))

    assert outcome.violations[0].startswith(f"apiClientId {EXCHANGE_ONLINE} is not Microsoft Graph")


def test_a_delegated_scope_outside_the_allowlist_is_denied() -> None:
    read_write = graph_permission("User.ReadWrite.All", PermissionType.APPLICATION)
    outcome = check(DELEGATED, _requesting({"id": read_write.id, "type": "Scope"}))

    assert "delegated permission" in outcome.only_violation
    assert "not in the allowlist [User.Read]" in outcome.violations[0]


def test_the_delegated_allowlist_knob_applies() -> None:
    target = _requesting({"id": USER_READ_ID, "type": "Scope"})

    outcome = check(DELEGATED, target, {"allowedPermissions": []})

    assert outcome.violations == [
        "requiredResourceAccesses[0].resourceAccesses[0].id: delegated permission "
        f"User.Read ({USER_READ_ID}) is not in the allowlist [] (nothing)"
    ]


def test_the_programs_grant_passes() -> None:
    assert check(DELEGATED, delegated_grant()).passed


def test_a_grant_with_an_unlisted_claim_is_denied() -> None:
    outcome = check(DELEGATED, delegated_grant(claimValues=["User.Read", "Mail.Read"]))

    assert outcome.violations == [
        "claimValues[1]: delegated permission Mail.Read (570282fd-fa5c-430d-a7fd-fc8dc98a9dca) is "
        "not in the allowlist [User.Read]"
    ]


@pytest.mark.parametrize("user", ["3c5b0e36-0000-4000-8000-000000000001", UNKNOWN])
def test_a_grant_for_a_single_user_is_denied_even_when_the_user_is_unknown(user: str) -> None:
    outcome = check(DELEGATED, delegated_grant(userObjectId=user))

    assert outcome.only_violation.startswith("userObjectId is set (")
    assert "a delegated permission grant for a single user is not allowed" in outcome.violations[0]


def test_application_api_access_scope_ids_are_checked() -> None:
    outcome = check(
        DELEGATED, _api_access(MICROSOFT_GRAPH_APP_ID, scopeIds=[FOREIGN_PERMISSION_ID])
    )

    assert outcome.violations[0].startswith("scopeIds[0]: delegated permission")


def test_a_wrongly_typed_knob_fails_loudly() -> None:
    with pytest.raises(ValueError, match="allowedPermissions"):
        check(APP, application(), {"allowedPermissions": "User.Read"})


def test_other_resource_types_are_ignored() -> None:
    target = with_properties(application(), signInAudience="AzureADMultipleOrgs")
    assert check(APP, resource(types.SERVICE_PRINCIPAL, "sp", {"clientId": "x"})).passed
    assert check(DELEGATED, target).passed


def test_every_published_permission_is_named_never_a_bare_id() -> None:
    """Item 9: the pack knows Microsoft's full table, not only the program's few rows."""
    from entra_vocabulary.labels import describe_permission_id
    from entra_vocabulary.microsoft_ids import GRAPH_PERMISSION_TABLE

    assert len(GRAPH_PERMISSION_TABLE) > 700
    for permission in GRAPH_PERMISSION_TABLE:
        shown = describe_permission_id(permission.id.upper(), permission.type)
        assert shown == f"{permission.name} ({permission.id})"


def test_any_published_name_can_be_allowlisted() -> None:
    mail_read = graph_permission("Mail.Read", PermissionType.APPLICATION).id
    target = app_role_assignment("x", mail_read)

    denied = check(APP, target)
    allowed = check(APP, target, {"allowedPermissions": ["Mail.Read"]})

    assert denied.violations == [
        f"appRoleId: application permission Mail.Read ({mail_read}) is not in the allowlist "
        "[Directory.ReadWrite.All, Group.ReadWrite.All, GroupMember.ReadWrite.All, "
        "RoleManagement.ReadWrite.Directory, User-PasswordProfile.ReadWrite.All, "
        "User.EnableDisableAccount.All, User.ReadWrite.All, UserAuthenticationMethod.ReadWrite.All]"
    ]
    assert allowed.passed
