"""Consent matches request: no unrequested consent, no half-consented application."""

from __future__ import annotations

from entra_vocabulary import resource_types as types
from entra_vocabulary.microsoft_ids import MICROSOFT_GRAPH_APP_ID, PermissionType, graph_permission
from tests.policies.policy_harness import (
    APP_ROLE_IDS,
    APPLICATION_URN,
    FOREIGN_PERMISSION_ID,
    UNKNOWN,
    USER_READ_ID,
    app_role_assignment,
    application,
    check_stack,
    delegated_grant,
    program_stack,
    resource,
    service_principal,
)

POLICY = "consent-matches-request"
ROLE_MANAGEMENT_ID = APP_ROLE_IDS["RoleManagement.ReadWrite.Directory"]
ROLE_MANAGEMENT_CONSENT = "privilege-secure-consent-RoleManagement.ReadWrite.Directory"


def test_the_programs_stack_is_fully_and_only_consented() -> None:
    assert check_stack(POLICY, program_stack()).passed


def test_a_missing_app_role_assignment_is_half_consent() -> None:
    resources = [r for r in program_stack() if r.name != ROLE_MANAGEMENT_CONSENT]

    outcome = check_stack(POLICY, resources)

    assert outcome.violations == [
        "Application 'privilege-secure-application' requests application permission "
        f"RoleManagement.ReadWrite.Directory ({ROLE_MANAGEMENT_ID}) in requiredResourceAccesses "
        "but no AppRoleAssignment of its service principal consents to it (half-consented: fails "
        "at run time)"
    ]
    assert outcome.urns == [APPLICATION_URN]


def test_a_missing_delegated_grant_is_half_consent() -> None:
    resources = [r for r in program_stack() if r.type != types.DELEGATED_PERMISSION_GRANT]

    outcome = check_stack(POLICY, resources)

    assert f"requests delegated permission User.Read ({USER_READ_ID})" in outcome.only_violation


def test_an_unrequested_app_role_assignment_is_denied() -> None:
    extra = app_role_assignment("extra", FOREIGN_PERMISSION_ID)

    outcome = check_stack(POLICY, [*program_stack(), extra])

    assert outcome.only_violation.startswith(
        f"AppRoleAssignment 'privilege-secure-consent-extra' appRoleId {FOREIGN_PERMISSION_ID}"
    )
    assert (
        "is consented but Application 'privilege-secure-application' does not request it"
        in (outcome.violations[0])
    )
    assert outcome.urns == [extra.urn]


def test_an_unrequested_delegated_claim_is_denied() -> None:
    resources = [
        delegated_grant(claimValues=["User.Read", "Mail.Send"])
        if r.type == types.DELEGATED_PERMISSION_GRANT
        else r
        for r in program_stack()
    ]

    outcome = check_stack(POLICY, resources)

    assert outcome.violations == [
        "ServicePrincipalDelegatedPermissionGrant 'privilege-secure-consent-delegated' claimValues "
        "Mail.Send (e383f46e-2787-4529-855e-0e479a3ffac0) is granted but Application "
        "'privilege-secure-application' does not request it in requiredResourceAccesses"
    ]


def test_an_application_without_service_principal_is_not_consented() -> None:
    app = application(
        requiredResourceAccesses=[
            {
                "resourceAppId": MICROSOFT_GRAPH_APP_ID,
                "resourceAccesses": [{"id": ROLE_MANAGEMENT_ID, "type": "Role"}],
            }
        ]
    )

    outcome = check_stack(POLICY, [app])

    assert "no AppRoleAssignment of its service principal consents" in outcome.only_violation


def test_consent_of_another_principal_is_not_ours() -> None:
    other = resource(
        types.APP_ROLE_ASSIGNMENT,
        "someone-else",
        {
            "appRoleId": FOREIGN_PERMISSION_ID,
            "principalObjectId": "1d1d1d1d-0000-4000-8000-000000000001",
        },
    )

    assert check_stack(POLICY, [*program_stack(), other]).passed


def test_links_by_known_ids_work_without_dependencies() -> None:
    app = application(
        clientId="c1",
        requiredResourceAccesses=[
            {
                "resourceAppId": MICROSOFT_GRAPH_APP_ID,
                "resourceAccesses": [{"id": ROLE_MANAGEMENT_ID, "type": "Role"}],
            }
        ],
    )
    sp = resource(types.SERVICE_PRINCIPAL, "sp", {"clientId": "c1", "objectId": "o1"})
    assignment = resource(
        types.APP_ROLE_ASSIGNMENT,
        "rm",
        {"appRoleId": ROLE_MANAGEMENT_ID, "principalObjectId": "o1"},
    )

    assert check_stack(POLICY, [app, sp, assignment]).passed
    assert not check_stack(POLICY, [app, sp]).passed


def test_an_unlinkable_assignment_is_advisory_and_suppresses_half_consent_claims() -> None:
    unlinked = resource(
        types.APP_ROLE_ASSIGNMENT,
        "unlinked",
        {"appRoleId": ROLE_MANAGEMENT_ID, "principalObjectId": UNKNOWN},
    )
    resources = [r for r in program_stack() if r.name != ROLE_MANAGEMENT_CONSENT]

    outcome = check_stack(POLICY, [*resources, unlinked])

    assert outcome.violations == []
    assert outcome.unknown is not None
    assert "AppRoleAssignment 'unlinked' principalObjectId" in outcome.unknown


def test_unknown_requested_permissions_are_advisory() -> None:
    resources = [application(requiredResourceAccesses=UNKNOWN), service_principal()]

    outcome = check_stack(POLICY, resources)

    assert outcome.violations == []
    assert outcome.unknown is not None
    assert "requiredResourceAccesses" in outcome.unknown


def test_request_and_grant_compare_by_id_for_every_published_scope() -> None:
    """Item 9: `openid offline_access` granted as requested is neither "granted but not
    requested" nor "requested but not granted" (the full table knows both ids)."""
    openid = graph_permission("openid", PermissionType.DELEGATED).id
    offline_access = graph_permission("offline_access", PermissionType.DELEGATED).id
    requested = application(
        requiredResourceAccesses=[
            {
                "resourceAppId": MICROSOFT_GRAPH_APP_ID,
                "resourceAccesses": [
                    *({"id": role_id, "type": "Role"} for role_id in APP_ROLE_IDS.values()),
                    {"id": USER_READ_ID.upper(), "type": "Scope"},
                    {"id": openid, "type": "Scope"},
                    {"id": offline_access, "type": "Scope"},
                ],
            }
        ]
    )
    resources = [
        requested if r.urn == APPLICATION_URN else r
        for r in program_stack()
        if r.type != types.DELEGATED_PERMISSION_GRANT
    ]
    grant = delegated_grant(claimValues=["User.Read", "openid", "offline_access"])

    assert check_stack(POLICY, [*resources, grant]).passed
    half = check_stack(POLICY, [*resources, delegated_grant(claimValues=["User.Read", "openid"])])
    assert half.violations == [
        "Application 'privilege-secure-application' requests delegated permission offline_access "
        f"({offline_access}) in requiredResourceAccesses but no delegated permission grant of "
        "its service principal includes it in claimValues (half-consented: fails at run time)"
    ]
