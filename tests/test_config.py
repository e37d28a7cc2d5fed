"""Bad config stops the program with one line naming the key, before any resource exists."""

from __future__ import annotations

import pytest

from components.app_registration import AppRegistrationArgs
from components.config import args_from_config
from components.settings import SETTINGS_BY_ARG, InvalidSettingError
from mock_engine.engine import run_program
from tests.conftest import RunProgram

GUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("displayName", "", "1 to 120 characters"),
        ("displayName", "   ", "not only spaces"),
        ("displayName", "x" * 121, "1 to 120 characters"),
        ("privilegeSecureVersion", "4.3", "one of '4.1', '4.2', '25.12', '26.03'"),
        ("privilegeSecureVersion", "26.3", "one of '4.1', '4.2', '25.12', '26.03'"),
        ("revokePreviousSecret", "2026-12-20", "RFC 3339 UTC"),
        ("revokePreviousSecret", "2026-12-20T00:00:00+01:00", "RFC 3339 UTC"),
        ("revokePreviousSecret", "2026-13-20T00:00:00Z", "RFC 3339 UTC"),
        ("revokePreviousSecret", "tomorrow", "the end date of the previous client secret"),
        ("manageGlobalAdministrators", "yes", "true or false"),
        ("manageGlobalAdministrators", "True", "true or false"),
        ("secretLifetimeDays", "0", "from 1 to 365"),
        ("secretLifetimeDays", "366", "client-secret-expiry maxLifetimeDays"),
        ("secretLifetimeDays", "90.5", "from 1 to 365"),
        ("secretLifetimeDays", "ninety", "from 1 to 365"),
        ("secretVersion", "0", "1 or more"),
        ("secretVersion", "-3", "1 or more"),
        ("owners", "[]", "non-empty list"),
        ("owners", "not-json", "non-empty list"),
        ("owners", f'"{GUID}"', "non-empty list"),
        ("owners", '["alice@contoso.com"]', "object ids"),
        ("owners", f'["{GUID}", "{GUID.upper()}"]', "distinct"),
        ("hybridTenant", "1", "true or false"),
        ("protect", "on", "true or false"),
        ("notes", "n" * 1025, "at most 1024 characters"),
    ],
)
def test_an_invalid_value_is_refused_before_any_resource(
    program: RunProgram, key: str, value: str, allowed: str
) -> None:
    run = program({key: value})
    assert run.error is not None
    assert "\n" not in run.error
    assert run.error.startswith(f"privilege-secure-entra:{key}: got {value!r}; allowed: ")
    assert allowed in run.error
    assert run.resources == []
    assert run.outputs == {}


def test_each_setting_is_an_arg_of_the_component() -> None:
    """A setting's arg is its key in snake_case: every knob reaches an ``AppRegistrationArgs``
    key, and every such key is a knob."""
    assert set(SETTINGS_BY_ARG) == set(AppRegistrationArgs.__annotations__)
    assert SETTINGS_BY_ARG["manage_global_administrators"].key == "manageGlobalAdministrators"


def test_a_misspelt_key_is_refused_with_the_right_spelling(program: RunProgram) -> None:
    run = program({"secretLifeTimeDays": "30"})
    assert run.error == (
        "privilege-secure-entra:secretLifeTimeDays: unknown config key; did you mean "
        "secretLifetimeDays? allowed keys: displayName, privilegeSecureVersion, "
        "manageGlobalAdministrators, secretLifetimeDays, secretVersion, revokePreviousSecret, "
        "owners, hybridTenant, protect, notes, adopt"
    )
    assert run.resources == []


def test_an_unrelated_unknown_key_lists_the_allowed_keys(program: RunProgram) -> None:
    run = program({"region": "westeurope"})
    assert run.error is not None
    assert "did you mean" not in run.error
    assert "allowed keys: displayName," in run.error


def test_provider_config_is_not_ours_to_refuse() -> None:
    run = run_program({"azuread:tenantId": GUID, "azuread:useOidc": "true"})
    assert run.error is None


def test_a_secret_value_is_never_echoed() -> None:
    leaked = "CHG-0001 " + "s" * 1100
    run = run_program(
        {"privilege-secure-entra:notes": leaked},
        secret_keys=frozenset({"privilege-secure-entra:notes"}),
    )
    assert run.error == (
        "privilege-secure-entra:notes: got [secret]; allowed: text of at most 1024 characters"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("displayName", "x" * 120),
        ("secretLifetimeDays", "1"),
        ("secretLifetimeDays", "365"),
        ("secretVersion", "12"),
        ("privilegeSecureVersion", "26.03"),
        ("privilegeSecureVersion", "4.2"),
        ("privilegeSecureVersion", "25.12"),
        ("revokePreviousSecret", "2020-01-01T00:00:00Z"),
        ("notes", ""),
    ],
)
def test_edge_values_are_accepted(program: RunProgram, key: str, value: str) -> None:
    assert program({key: value}).error is None


def test_defaults_are_the_seed() -> None:
    assert args_from_config({}) == {
        "display_name": "Netwrix Privilege Secure",
        "privilege_secure_version": "4.1",
        "manage_global_administrators": False,
        "secret_lifetime_days": 180,
        "secret_version": 1,
        "hybrid_tenant": False,
        "protect": False,
    }


def test_values_are_decoded_to_their_types() -> None:
    args = args_from_config(
        {
            "manageGlobalAdministrators": "true",
            "secretLifetimeDays": "90",
            "owners": f'["{GUID}"]',
        }
    )
    assert args["manage_global_administrators"] is True
    assert args["secret_lifetime_days"] == 90
    assert args["owners"] == [GUID]


def test_args_from_config_raises_the_one_line_error() -> None:
    with pytest.raises(InvalidSettingError, match=r"^privilege-secure-entra:secretVersion: got"):
        args_from_config({"secretVersion": "zero"})


def test_the_component_refuses_bad_args_from_other_programs(program: RunProgram) -> None:
    """A program in another language builds the component directly, without our config."""
    import pulumi

    from components.app_registration import AppRegistration

    with pytest.raises(pulumi.RunError, match="secret_lifetime_days: got 0; allowed: a whole"):
        AppRegistration("x", {"display_name": "x", "secret_lifetime_days": 0})
    with pytest.raises(pulumi.RunError, match="colour: unknown argument"):
        AppRegistration("x", {"display_name": "x", "colour": "blue"})  # type: ignore[typeddict-unknown-key]


def test_an_unreadable_clock_is_one_line(
    program: RunProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    run = program()
    assert (
        run.error == "SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC; got 'yesterday'"
    )
    assert run.resources == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("notes", "CHG-0001 (restricted)"), ("displayName", "NPS"), ("owners", f'["{GUID}"]')],
)
def test_a_secret_value_stays_secret_in_the_resources(key: str, value: str) -> None:
    run = run_program(
        {f"privilege-secure-entra:{key}": value},
        secret_keys=frozenset({f"privilege-secure-entra:{key}"}),
    )
    assert run.error is None
    assert run.named("privilege-secure-application").secret_inputs == {key}


def test_a_setting_that_shapes_resources_cannot_be_secret() -> None:
    run = run_program(
        {"privilege-secure-entra:secretLifetimeDays": "90"},
        secret_keys=frozenset({"privilege-secure-entra:secretLifetimeDays"}),
    )
    assert run.error == (
        "privilege-secure-entra:secretLifetimeDays: set as a secret, but it decides which "
        "resources exist and cannot stay secret; set it without --secret"
    )
    assert run.resources == []
