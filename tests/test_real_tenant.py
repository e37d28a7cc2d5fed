"""What a real tenant and a real engine do that instant, agreeable mocks do not (issue 9).

Replication delay, an app-management policy that refuses the secret, a hand-made app of the same
name, `pulumi destroy`, renames, a second deployer, more Privilege Secure versions and a pinned
clock in a build image: each test here would have caught one way a real `pulumi up` goes wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import grpc  # type: ignore[import-untyped]
import pytest
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2_grpc

from components import app_registration
from components.secret_rotation import PINNED_CLOCK_IGNORED_WARNING
from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import rfc3339, rotation_clock
from entra_vocabulary.manifests import MANIFESTS
from mock_engine.engine import (
    DEPLOYER_OBJECT_ID,
    DeclaredResource,
    EngineMocks,
    ProgramRun,
    fake_guid,
    run_program,
)
from tests.conftest import RunProgram
from tests.engine_state import EngineState

COMPONENT = types.COMPONENT
PRIVILEGES = (
    types.APP_ROLE_ASSIGNMENT,
    types.DELEGATED_PERMISSION_GRANT,
    types.DIRECTORY_ROLE_ASSIGNMENT,
)


def only(run: ProgramRun, type_token: str) -> DeclaredResource:
    [resource] = run.of_type(type_token)
    return resource


def privileges(run: ProgramRun) -> list[DeclaredResource]:
    return [r for r in run.resources if r.type in PRIVILEGES]


# 1. Replication on the first `up`.


def test_consents_and_roles_wait_for_the_service_principal_to_replicate(
    program: RunProgram,
) -> None:
    run = program()
    wait = only(run, types.SLEEP)
    service_principal = only(run, types.SERVICE_PRINCIPAL)
    assert wait.inputs == {
        "createDuration": app_registration.REPLICATION_WAIT,
        "triggers": {"servicePrincipalObjectId": service_principal.outputs["objectId"]},
    }
    assert wait.dependencies == (service_principal.urn,)
    assert len(privileges(run)) == 6
    for privilege in privileges(run):
        assert wait.urn in privilege.dependencies, privilege.name


@pytest.mark.parametrize("delay", [0, 5, 60, 170])
def test_a_first_up_succeeds_on_a_tenant_slow_to_replicate(program: RunProgram, delay: int) -> None:
    run = program(replication_delay_seconds=delay)
    assert run.error is None
    assert len(privileges(run)) == 6


def test_a_tenant_slower_than_the_wait_fails_loudly_and_grants_nothing(
    program: RunProgram,
) -> None:
    """The model is real: a longer replication than the wait breaks the first `up`."""
    run = program(replication_delay_seconds=600)
    assert run.error is not None
    assert "Request_ResourceNotFound" in run.error
    assert privileges(run) == []


def test_the_wait_is_long_enough_and_bounded() -> None:
    seconds = int(app_registration.REPLICATION_WAIT.removesuffix("s"))
    assert 60 <= seconds <= 300


def critical_path(run: ProgramRun) -> list[str]:
    """The longest chain of resources the engine must create one after another."""
    by_urn = {r.urn: r for r in run.resources if r.custom}
    longest: dict[str, list[str]] = {}

    def chain(urn: str) -> list[str]:
        if urn not in longest:
            before = [chain(d) for d in by_urn[urn].dependencies if d in by_urn]
            longest[urn] = [*max(before, key=len, default=[]), by_urn[urn].name]
        return longest[urn]

    return max((chain(urn) for urn in by_urn), key=len)


@pytest.mark.parametrize(
    "config",
    [{}, {"privilegeSecureVersion": "26.03"}, {"manageGlobalAdministrators": "true"}],
)
@pytest.mark.parametrize("preview", [False, True])
def test_the_critical_path_is_at_most_four_resources_deep(
    program: RunProgram, config: dict[str, str], preview: bool
) -> None:
    path = critical_path(program(config, preview=preview))
    assert path[:3] == [
        "privilege-secure-application",
        "privilege-secure-service-principal",
        "privilege-secure-service-principal-replication",
    ]
    assert len(path) == 4


# 2. Credentials before privileges.


def test_every_privilege_waits_for_every_client_secret(program: RunProgram) -> None:
    """A tenant policy that refuses the secret stops the first `up` before any privilege."""
    run = program()
    secrets = {p.urn for p in run.of_type(types.APPLICATION_PASSWORD)}
    assert len(secrets) == 2
    for privilege in privileges(run):
        assert secrets <= set(privilege.dependencies), privilege.name


def test_a_tenant_that_caps_secret_lifetimes_gets_no_privilege(program: RunProgram) -> None:
    """An app-management policy refuses a 180-day secret: the first `up` stops, unprivileged."""
    refused = program(password_lifetime_cap_days=90)
    assert refused.error is not None
    assert "CredentialInvalidLifetimeAsPerAppPolicy" in refused.error
    assert privileges(refused) == []
    # The newest secret (180 days) was refused; the previous one ends within the cap.
    assert len(refused.of_type(types.APPLICATION_PASSWORD)) == 1
    # The README's remedy: a lifetime within the cap.
    within = program({"secretLifetimeDays": "90"}, password_lifetime_cap_days=90)
    assert within.error is None
    assert len(privileges(within)) == 6


def test_client_secrets_wait_for_nothing_but_the_application(program: RunProgram) -> None:
    run = program()
    application = only(run, types.APPLICATION)
    for secret in run.of_type(types.APPLICATION_PASSWORD):
        assert secret.dependencies == (application.urn,)


# 3. No silent duplicate.


def test_a_second_app_of_the_same_name_is_refused_not_created(program: RunProgram) -> None:
    assert only(program(), types.APPLICATION).inputs["preventDuplicateNames"] is True
    hand_made = {"Netwrix Privilege Secure": fake_guid("application", "hand-made")}
    refused = program(existing_applications=hand_made)
    assert refused.error is not None
    assert 'name "Netwrix Privilege Secure"' in refused.error
    assert "`prevent_duplicate_names`" in refused.error
    assert [r.type for r in refused.resources] == [COMPONENT]  # nothing else was created
    assert program({"displayName": "NPS"}, existing_applications=hand_made).error is None
    assert program().error is None


# 4. `protect` protects everything.


def deleted_first_by_destroy(run: ProgramRun) -> set[str]:
    """The resources `pulumi destroy` deletes first: nothing depends on them, no child either."""
    needed = {d for r in run.resources for d in r.dependencies} | {r.parent for r in run.resources}
    return {r.name for r in run.resources if r.urn not in needed}


@pytest.mark.parametrize("config", [{}, {"privilegeSecureVersion": "26.03"}])
def test_protect_leaves_destroy_nothing_to_delete(
    program: RunProgram, config: dict[str, str]
) -> None:
    """The engine deletes dependents first and stops at the first protected one it cannot."""
    run = program({**config, "protect": "true"})
    first = deleted_first_by_destroy(run)
    assert first == {r.name for r in privileges(run)}
    assert all(run.named(name).protect for name in first)


def test_protect_covers_every_child_but_the_rotating_secrets(program: RunProgram) -> None:
    """The engine refuses to replace a protected resource, and rotation replaces secrets."""
    run = program({"protect": "true"})
    unprotected = {r.type for r in run.resources if not r.protect}
    assert unprotected == {types.APPLICATION_PASSWORD}
    assert not any(r.protect for r in program().resources)


def test_a_protected_component_still_rotates_its_secrets(tmp_path: Path) -> None:
    """Another program may protect the component with a resource option instead of the arg."""
    program_file = tmp_path / "__main__.py"
    program_file.write_text(
        "import pulumi\n"
        "from components.app_registration import AppRegistration\n"
        "AppRegistration('x', {'display_name': 'x'}, pulumi.ResourceOptions(protect=True))\n"
    )
    run = run_program({}, program=program_file)
    assert run.error is None
    assert {r.type for r in run.resources if not r.protect} == {types.APPLICATION_PASSWORD}


# 5. Stable identities.

_CHILD = f"urn:pulumi:dev::privilege-secure-entra::{COMPONENT}$"
_APPLICATION = f"{_CHILD}azuread:index/application:Application::privilege-secure-application"
_SECRETS = [
    f"{_CHILD}azuread:index/applicationPassword:ApplicationPassword::privilege-secure-client-secret-{slot}"
    for slot in "ab"
]
_SERVICE_PRINCIPAL = (
    f"{_CHILD}azuread:index/servicePrincipal:ServicePrincipal::privilege-secure-service-principal"
)
_WAIT = f"{_CHILD}time:index/sleep:Sleep::privilege-secure-service-principal-replication"
_CONSENT = f"{_CHILD}azuread:index/appRoleAssignment:AppRoleAssignment::privilege-secure-consent-"
_DELEGATED = (
    f"{_CHILD}azuread:index/servicePrincipalDelegatedPermissionGrant:"
    "ServicePrincipalDelegatedPermissionGrant::privilege-secure-consent-delegated"
)
_ROLE = (
    f"{_CHILD}azuread:index/directoryRoleAssignment:DirectoryRoleAssignment::privilege-secure-role-"
)
_BASE = [
    f"urn:pulumi:dev::privilege-secure-entra::{COMPONENT}::privilege-secure",
    _APPLICATION,
    *_SECRETS,
    _SERVICE_PRINCIPAL,
    _WAIT,
]
PINNED_URNS: dict[str, list[str]] = {
    "4.1": [
        *_BASE,
        f"{_CONSENT}Directory.ReadWrite.All",
        f"{_CONSENT}Group.ReadWrite.All",
        f"{_CONSENT}User.ReadWrite.All",
        f"{_CONSENT}RoleManagement.ReadWrite.Directory",
        _DELEGATED,
        f"{_ROLE}user-administrator",
    ],
    "26.03": [
        *_BASE,
        f"{_CONSENT}Directory.ReadWrite.All",
        f"{_CONSENT}Group.ReadWrite.All",
        f"{_CONSENT}GroupMember.ReadWrite.All",
        f"{_CONSENT}RoleManagement.ReadWrite.Directory",
        f"{_CONSENT}User-PasswordProfile.ReadWrite.All",
        f"{_CONSENT}User.EnableDisableAccount.All",
        f"{_CONSENT}User.ReadWrite.All",
        f"{_CONSENT}UserAuthenticationMethod.ReadWrite.All",
        f"{_ROLE}user-administrator",
        f"{_ROLE}privileged-authentication-administrator",
    ],
    "Global Administrator": [
        *_BASE,
        f"{_CONSENT}Directory.ReadWrite.All",
        f"{_CONSENT}Group.ReadWrite.All",
        f"{_CONSENT}User.ReadWrite.All",
        f"{_CONSENT}RoleManagement.ReadWrite.Directory",
        _DELEGATED,
        f"{_ROLE}global-administrator",
    ],
}
"""Every URN (type and name) the program declares today, for the `dev` stack.

A rename changes a URN, and Pulumi then deletes the old resource and creates a new one: a new
application with a new client id, new secrets, consents revoked and granted again. A rename must
ship with ``aliases`` (``pulumi.Alias(name=<old name>)``) so the state follows it; then add the
new URN here.
"""

_STACK_CONFIG: dict[str, dict[str, str]] = {
    "4.1": {},
    "26.03": {"privilegeSecureVersion": "26.03"},
    "Global Administrator": {"manageGlobalAdministrators": "true"},
}


@pytest.mark.parametrize("stack", sorted(PINNED_URNS))
def test_urns_are_pinned(program: RunProgram, stack: str) -> None:
    run = program(_STACK_CONFIG[stack])
    assert sorted(r.urn for r in run.resources) == sorted(PINNED_URNS[stack])


# 6. Owners stay put.

LAPTOP_ADMIN = fake_guid("deployer", "laptop-admin")
PIPELINE = fake_guid("deployer", "pipeline")
CONFIGURED = ["7c9e6679-7425-40de-944b-e07fc1f90ae7"]
OWNED = ("privilege-secure-application", "privilege-secure-service-principal")


def up(engine: EngineState, deployer: str, config: Mapping[str, str] | None = None) -> set[str]:
    run = run_program(
        {f"privilege-secure-entra:{key}": value for key, value in (config or {}).items()},
        deployer_object_id=deployer,
    )
    assert run.error is None
    return engine.update(r for r in run.resources if r.custom)


def test_the_first_deployer_stays_owner_when_another_identity_deploys() -> None:
    engine = EngineState()
    up(engine, LAPTOP_ADMIN)
    changed = up(engine, PIPELINE)
    assert changed == set()
    for name in OWNED:
        assert engine.inputs[name]["owners"] == [LAPTOP_ADMIN]
    up(engine, LAPTOP_ADMIN)
    assert all(engine.inputs[name]["owners"] == [LAPTOP_ADMIN] for name in OWNED)


def test_configured_owners_are_authoritative_whoever_deploys() -> None:
    engine = EngineState()
    up(engine, LAPTOP_ADMIN)
    owners = {"owners": f'["{CONFIGURED[0]}"]'}
    assert up(engine, PIPELINE, owners) == set(OWNED)
    assert all(engine.inputs[name]["owners"] == CONFIGURED for name in OWNED)
    assert up(engine, LAPTOP_ADMIN, owners) == set()
    # Removing `owners` later keeps the owners it set, instead of handing the app to the deployer.
    assert up(engine, PIPELINE) == set()
    assert all(engine.inputs[name]["owners"] == CONFIGURED for name in OWNED)


def test_the_mocks_answer_the_deployer_asked_for() -> None:
    run = run_program({}, deployer_object_id=PIPELINE)
    assert only(run, types.APPLICATION).inputs["owners"] == [PIPELINE]
    assert EngineMocks(preview=False).deployer_object_id == DEPLOYER_OBJECT_ID


# 12. Every documented Privilege Secure version.


@pytest.mark.parametrize("version", ["4.2", "25.12"])
def test_versions_documented_like_4_1_grant_what_4_1_grants(
    program: RunProgram, version: str
) -> None:
    def grants(run: ProgramRun) -> list[tuple[str, object]]:
        return sorted((r.type, repr(r.inputs)) for r in privileges(run))

    run = program({"privilegeSecureVersion": version})
    assert run.error is None
    assert grants(run) == grants(program())
    assert run.outputs["privilegeSecureVersion"].value == version
    assert MANIFESTS[version].source.startswith(f"Netwrix Privilege Secure {version}, ")


def test_a_wrong_version_lists_every_version(program: RunProgram) -> None:
    run = program({"privilegeSecureVersion": "4.3"})
    assert run.error == (
        "privilege-secure-entra:privilegeSecureVersion: got '4.3'; allowed: one of '4.1', '4.2', "
        "'25.12', '26.03'"
    )


# 13. A pinned clock never reaches a deploy.


LONG_AGO = 1_500_000_000
"""2017-07-14T02:40:00Z: a clock a build image might pin, long before any real deployment."""


def test_a_real_deployment_ignores_a_pinned_clock_and_says_so(
    program: RunProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LONG_AGO))
    monkeypatch.setattr(app_registration, "_under_mocks", lambda: False)
    deployed = program()
    assert deployed.warnings == [PINNED_CLOCK_IGNORED_WARNING]
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    # The secrets follow the wall clock: the newest is valid now and the next rotation is ahead.
    now = rfc3339(rotation_clock())
    assert deployed.outputs["clientSecretRotatesAt"].value > now
    assert deployed.outputs["clientSecretExpiresAt"].value > now


def test_mocks_keep_the_pinned_clock(program: RunProgram, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests and the offline preview stay reproducible."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LONG_AGO))
    run = program()
    assert run.warnings == []
    assert run.outputs["clientSecretRotatesAt"].value == "2017-07-23T00:00:00Z"


def test_a_real_deployment_without_a_pinned_clock_is_quiet(
    program: RunProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    monkeypatch.setattr(app_registration, "_under_mocks", lambda: False)
    assert program().warnings == []


def test_only_mocks_count_as_mocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine (or a provider it starts) is reached through a gRPC stub; mocks are not."""
    engine = resource_pb2_grpc.ResourceMonitorStub(grpc.insecure_channel("127.0.0.1:1"))
    for monitor, under_mocks in [
        (engine, False),
        (None, False),
        (MockMonitor(EngineMocks(preview=False)), True),
    ]:
        monkeypatch.setattr(app_registration, "get_monitor", lambda m=monitor: m)
        assert app_registration._under_mocks() is under_mocks
