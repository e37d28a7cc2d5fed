"""Directory roles: the allowlist, the Global Administrator switch, tenant-wide scope only."""

from __future__ import annotations

import pytest

from entra_vocabulary import resource_types as types
from entra_vocabulary.microsoft_ids import DIRECTORY_ROLE_TEMPLATE_IDS
from tests.policies.policy_harness import (
    GLOBAL_ADMINISTRATOR_ID,
    PRIVILEGED_AUTH_ADMIN_ID,
    UNKNOWN,
    USER_ADMINISTRATOR_ID,
    check,
    resource,
    role_assignment,
)

POLICY = "directory-role-allowlist"
APPLICATION_ADMINISTRATOR_ID = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
"""A built-in role that is not in the table: it must be denied by GUID."""


@pytest.mark.parametrize("role_id", [USER_ADMINISTRATOR_ID, PRIVILEGED_AUTH_ADMIN_ID])
def test_the_manifest_roles_pass(role_id: str) -> None:
    assert check(POLICY, role_assignment(role_id)).passed


def test_a_role_outside_the_table_is_denied_by_guid() -> None:
    outcome = check(POLICY, role_assignment(APPLICATION_ADMINISTRATOR_ID))

    assert outcome.only_violation.startswith(
        f"roleId: directory role {APPLICATION_ADMINISTRATOR_ID}"
    )
    assert "Privileged Authentication Administrator, User Administrator]" in outcome.violations[0]


def test_global_administrator_needs_the_switch() -> None:
    outcome = check(POLICY, role_assignment(GLOBAL_ADMINISTRATOR_ID))

    assert outcome.violations == [
        f"roleId: directory role Global Administrator ({GLOBAL_ADMINISTRATOR_ID}) is only allowed "
        "with allowGlobalAdministrator: true; allowed roles: "
        "[Privileged Authentication Administrator, User Administrator]"
    ]
    assert check(
        POLICY, role_assignment(GLOBAL_ADMINISTRATOR_ID), {"allowGlobalAdministrator": True}
    ).passed


def test_listing_global_administrator_in_allowed_roles_is_not_enough() -> None:
    config = {"allowedRoles": ["Global Administrator"]}

    assert not check(POLICY, role_assignment(GLOBAL_ADMINISTRATOR_ID), config).passed


def test_the_allowed_roles_knob_narrows_the_list() -> None:
    outcome = check(
        POLICY, role_assignment(PRIVILEGED_AUTH_ADMIN_ID), {"allowedRoles": ["User Administrator"]}
    )

    assert outcome.violations == [
        "roleId: directory role Privileged Authentication Administrator "
        f"({PRIVILEGED_AUTH_ADMIN_ID}) is not in the allowlist [User Administrator]"
    ]


@pytest.mark.parametrize("scope", ["/", None])
def test_tenant_wide_scopes_pass(scope: str | None) -> None:
    changes = {} if scope is None else {"directoryScopeId": scope}

    assert check(POLICY, role_assignment(**changes)).passed


def test_an_administrative_unit_scope_is_denied() -> None:
    outcome = check(POLICY, role_assignment(directoryScopeId="/administrativeUnits/1234"))

    assert outcome.violations == [
        "directoryScopeId is /administrativeUnits/1234; only tenant-wide assignments "
        '(directoryScopeId absent or "/") are allowed'
    ]


def test_an_app_scope_is_denied() -> None:
    outcome = check(POLICY, role_assignment(appScopeId="/5e3f1c2a"))

    assert outcome.only_violation.startswith("appScopeId is set (/5e3f1c2a)")


def test_an_unknown_role_is_a_violation() -> None:
    """Role template ids come from the table: one computed elsewhere cannot be reviewed."""
    outcome = check(POLICY, role_assignment(UNKNOWN))

    assert outcome.only_violation.startswith("roleId is unknown during preview")


def test_eligibility_requests_are_checked_like_assignments() -> None:
    request = resource(
        types.DIRECTORY_ROLE_ELIGIBILITY_REQUEST,
        "eligible",
        {
            "roleDefinitionId": GLOBAL_ADMINISTRATOR_ID,
            "principalId": UNKNOWN,
            "directoryScopeId": "/",
        },
    )

    outcome = check(POLICY, request)

    assert outcome.only_violation.startswith(
        "roleDefinitionId: directory role Global Administrator"
    )


@pytest.mark.parametrize(
    ("properties", "allowed"),
    [
        ({"templateId": USER_ADMINISTRATOR_ID}, True),
        ({"displayName": "User Administrator"}, True),
        ({"displayName": "Global Administrator"}, False),
        ({"displayName": "Application Administrator"}, False),
        ({"templateId": APPLICATION_ADMINISTRATOR_ID}, False),
    ],
)
def test_activated_directory_roles_are_checked(properties: dict[str, str], allowed: bool) -> None:
    outcome = check(POLICY, resource(types.DIRECTORY_ROLE, "role", properties))

    assert outcome.passed is allowed
    if not allowed:
        assert outcome.violations[0].split(":")[0] in properties


def test_the_table_has_the_roles_the_defaults_name() -> None:
    assert {"User Administrator", "Privileged Authentication Administrator"} <= set(
        DIRECTORY_ROLE_TEMPLATE_IDS
    )
