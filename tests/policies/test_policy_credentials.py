"""Client secrets: absolute, bounded expiry; at most the rotation overlap per application."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from entra_guard.secret_dates import parse_rfc3339
from entra_vocabulary import resource_types as types
from mock_engine.engine import DeclaredResource
from tests.policies.policy_harness import (
    APPLICATION_URN,
    UNKNOWN,
    application,
    application_password,
    check,
    check_stack,
    program_stack,
    resource,
    service_principal,
    with_properties,
    without,
)

EXPIRY = "client-secret-expiry"
COUNT = "client-secret-count"
ONLY = "credentials-client-secrets-only"


def test_a_date_within_a_year_passes() -> None:
    assert check(EXPIRY, application_password(endDate="2027-09-21T00:00:00Z")).passed


def test_a_date_beyond_max_lifetime_is_denied() -> None:
    outcome = check(EXPIRY, application_password(endDate="2027-09-27T00:00:00Z"))

    assert outcome.violations == [
        "endDate 2027-09-27T00:00:00Z is more than 365 days ahead (the latest allowed today is "
        "2027-09-21T14:13:20Z)"
    ]


def test_the_max_lifetime_knob_applies() -> None:
    target = application_password(endDate="2026-12-30T00:00:00Z")  # 99 days ahead

    assert not check(EXPIRY, target, {"maxLifetimeDays": 90}).passed
    assert check(EXPIRY, target, {"maxLifetimeDays": 120}).passed


def test_a_past_date_is_only_an_advisory_note_never_an_expiry_violation() -> None:
    """The run that repairs a missed rotation carries the expired previous secret."""
    expired = application_password(endDate="2026-01-01T00:00:00Z")

    outcome = check(EXPIRY, expired)
    note = check("client-secret-expired", expired)

    assert outcome.passed
    assert "is in the past: this credential is expired and grants nothing" in note.only_violation


def test_a_relative_end_date_is_denied() -> None:
    target = with_properties(without(application_password(), "endDate"), endDateRelative="8760h")

    outcome = check(EXPIRY, target)

    assert outcome.only_violation.startswith("endDateRelative is set (8760h)")


def test_a_missing_end_date_is_denied() -> None:
    outcome = check(EXPIRY, without(application_password(), "endDate"))

    assert outcome.only_violation.startswith("endDate is not set")


def test_a_malformed_end_date_is_denied() -> None:
    outcome = check(EXPIRY, application_password(endDate="next year"))

    assert outcome.violations[0].startswith("endDate next year is not an RFC 3339 date")


def test_an_unknown_end_date_is_a_violation() -> None:
    """The program computes every end date as a plain value."""
    outcome = check(EXPIRY, application_password(endDate=UNKNOWN))

    assert outcome.only_violation.startswith("endDate is unknown during preview")


def test_service_principal_passwords_are_checked_too() -> None:
    target = resource(types.SERVICE_PRINCIPAL_PASSWORD, "sp-secret", {"servicePrincipalId": "x"})

    assert check(EXPIRY, target).violations[0].startswith("endDate is not set")


def test_an_application_password_block_is_checked() -> None:
    good = application(password={"displayName": "inline", "endDate": "2026-12-01T00:00:00Z"})
    bad = application(password={"displayName": "inline"})

    assert check(EXPIRY, good).passed
    assert check(EXPIRY, bad).violations[0].startswith("password.endDate is not set")


@pytest.mark.parametrize(
    "value", ["2027-05-26T00:00:00Z", "2027-05-26T02:00:00+02:00", "2027-05-26"]
)
def test_rfc3339_dates_parse_to_utc(value: str) -> None:
    assert parse_rfc3339(value) == datetime(2027, 5, 26, tzinfo=UTC)


def test_the_rotation_overlap_of_two_secrets_passes() -> None:
    assert check_stack(COUNT, program_stack()).passed


def test_a_third_secret_is_denied_on_the_application() -> None:
    resources = [*program_stack(), application_password("secret-c")]

    outcome = check_stack(COUNT, resources)

    assert outcome.violations == [
        "Application 'privilege-secure-application' has 3 client secrets (ApplicationPassword "
        "'privilege-secure-client-secret-a', ApplicationPassword "
        "'privilege-secure-client-secret-b', ApplicationPassword "
        "'privilege-secure-client-secret-c'); at most 2 "
        "(maxSecretsPerApplication, the rotation overlap) are allowed"
    ]
    assert outcome.urns == [APPLICATION_URN]


def test_the_count_message_does_not_depend_on_the_order_the_stack_lists_them() -> None:
    """The engine registers resources in whatever order their inputs resolve: a pull request's
    comment and ``--compare-to`` must not change because of it."""
    resources = [*program_stack(), application_password("secret-c")]
    reordered = [*resources[::-1]]

    assert check_stack(COUNT, reordered).violations == check_stack(COUNT, resources).violations


def test_the_count_knob_applies() -> None:
    outcome = check_stack(COUNT, program_stack(), {"maxSecretsPerApplication": 1})

    assert "has 2 client secrets" in outcome.only_violation


def test_service_principal_passwords_and_password_blocks_count_for_the_application() -> None:
    sp_secret = resource(
        types.SERVICE_PRINCIPAL_PASSWORD,
        "sp-secret",
        {"servicePrincipalId": UNKNOWN, "endDate": "2027-01-01T00:00:00Z"},
        {"servicePrincipalId": service_principal().urn},
    )
    resources = [application(password={"displayName": "inline"}), service_principal(), sp_secret]

    outcome = check_stack(COUNT, resources, {"maxSecretsPerApplication": 1})

    assert "password block, ServicePrincipalPassword 'sp-secret'" in outcome.only_violation


def test_secrets_are_matched_by_known_ids_without_dependencies() -> None:
    app = application(id="/applications/abc")
    secrets = [
        resource(types.APPLICATION_PASSWORD, name, {"applicationId": "/applications/abc"})
        for name in ("a", "b", "c")
    ]

    outcome = check_stack(COUNT, [app, *secrets])

    assert len(outcome.violations) == 1
    assert outcome.urns == [app.urn]


def test_an_id_matches_whatever_its_spelling() -> None:
    """Red team RT-50: case, a trailing slash or the bare object id name the same application."""
    app = application(id="/applications/3f2a0c4e-0000-4000-8000-00000000abcd")
    spellings = (
        "/Applications/3F2A0C4E-0000-4000-8000-00000000ABCD",
        "/applications/3f2a0c4e-0000-4000-8000-00000000abcd/",
        "3f2a0c4e-0000-4000-8000-00000000abcd",
    )
    secrets = [
        resource(types.APPLICATION_PASSWORD, f"s{i}", {"applicationId": spelling})
        for i, spelling in enumerate(spellings)
    ]

    outcome = check_stack(COUNT, [app, *secrets])

    assert outcome.urns == [app.urn]
    assert "has 3 client secrets" in outcome.violations[0]


def test_a_decoy_dependency_does_not_move_a_known_id() -> None:
    """Red team RT-06: the value decides whenever it is known."""
    app = application(id="/applications/abc")
    decoy = resource(types.APPLICATION, "decoy", {"id": "/applications/decoy"})
    secrets = [
        resource(
            types.APPLICATION_PASSWORD,
            name,
            {"applicationId": "/applications/abc"},
            links={"applicationId": decoy.urn},
        )
        for name in ("a", "b", "c")
    ]

    outcome = check_stack(COUNT, [app, decoy, *secrets])

    assert app.urn in outcome.urns


def test_a_credential_of_an_application_outside_the_stack_is_denied() -> None:
    secret = resource(types.APPLICATION_PASSWORD, "a", {"applicationId": "/applications/elsewhere"})

    outcome = check_stack(COUNT, [*program_stack(), secret])

    assert outcome.violations == [
        "ApplicationPassword 'a' adds a credential to /applications/elsewhere, which is no "
        "application or service principal of this stack: the stack holds the credentials of "
        "its own application only"
    ]
    assert outcome.urns == [secret.urn]


def test_a_secret_that_cannot_be_placed_is_a_violation() -> None:
    """Fail closed: an unknown id with no dependency on the stack's application is a way around
    the count (red team RT-07)."""
    orphan = resource(types.APPLICATION_PASSWORD, "orphan", {"applicationId": UNKNOWN})

    outcome = check_stack(COUNT, [*program_stack(), orphan])

    assert outcome.only_violation.startswith(
        "ApplicationPassword 'orphan': its applicationId is unknown during preview and not "
        "computed from exactly one application"
    )
    assert outcome.urns == [orphan.urn]


def test_the_pack_judges_at_the_programs_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reproducible preview (``SOURCE_DATE_EPOCH``) is judged at the moment it was computed."""
    from datetime import UTC, datetime

    from entra_guard.helpers.pack_clock import utc_now

    monkeypatch.setenv("PRIVILEGE_SECURE_OFFLINE_CLOCK", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    assert utc_now() == datetime.fromtimestamp(1_790_000_000, UTC)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert abs((utc_now() - datetime.now(UTC)).total_seconds()) < 60


def test_outside_the_offline_preview_the_pack_ignores_source_date_epoch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Red team R2-06: Nix sets 1980; every fresh secret would look years too long."""
    from datetime import UTC, datetime

    from entra_guard.helpers.pack_clock import utc_now

    monkeypatch.delenv("PRIVILEGE_SECURE_OFFLINE_CLOCK", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "315532800")
    assert abs((utc_now() - datetime.now(UTC)).total_seconds()) < 60


def test_a_future_source_date_epoch_does_not_move_the_packs_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Red team RT-43: a clock in 2036 would admit ten-year secrets."""
    from datetime import UTC, datetime

    from entra_guard.helpers.pack_clock import utc_now

    monkeypatch.setenv("PRIVILEGE_SECURE_OFFLINE_CLOCK", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2082758400")
    assert abs((utc_now() - datetime.now(UTC)).total_seconds()) < 60


def _provider(parent: str | None, **properties: object) -> DeclaredResource:
    """An azuread provider; ``parent`` ``None`` as the engine registers its default one."""
    return replace(
        resource("pulumi:providers:azuread", "default_6_11_1", properties), parent=parent or ""
    )


@pytest.mark.parametrize("parent", [None, APPLICATION_URN], ids=["default", "explicit"])
@pytest.mark.parametrize(
    ("properties", "needle"),
    [
        ({"metadataHost": "login.attacker.example"}, "metadataHost is set"),
        ({"environment": "usgovernment"}, "environment is usgovernment"),
        ({"clientId": "c", "clientSecret": "s"}, "signs in as (clientId, clientSecret)"),
    ],
)
def test_every_azuread_provider_keeps_the_deployers_sign_in_and_endpoints(
    parent: str | None, properties: dict[str, object], needle: str
) -> None:
    outcome = check(ONLY, _provider(parent, **properties))
    assert any(needle in v for v in outcome.violations), outcome.violations


@pytest.mark.parametrize("parent", [None, APPLICATION_URN], ids=["default", "explicit"])
def test_the_pipelines_oidc_sign_in_and_the_public_cloud_pass(parent: str | None) -> None:
    props = {"tenantId": "t", "useOidc": "true", "useCli": "false", "environment": "Global"}
    assert check(ONLY, _provider(parent, version="6.11.1", **props)).passed


def test_an_unknown_environment_is_refused() -> None:
    assert not check(ONLY, _provider(None, environment=UNKNOWN)).passed
