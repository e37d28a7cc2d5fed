"""The component from a YAML program, over the real provider protocol.

``components/`` is started as the Pulumi CLI starts a plugin, and ``Construct`` is driven as the
engine drives it for ``examples/yaml/Pulumi.yaml``: inputs in a protobuf ``Struct`` (every number
a float), children registered with our recording ``ResourceMonitor``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
import yaml
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from components.app_registration import PASSWORD_WRITEBACK_WARNING, TYPE_TOKEN
from components.secret_rotation import PINNED_CLOCK_IGNORED_WARNING, plan_rotation
from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import rfc3339
from entra_vocabulary.manifests import MANIFESTS
from entra_vocabulary.microsoft_ids import DIRECTORY_ROLE_TEMPLATE_IDS, MICROSOFT_GRAPH_APP_ID
from mock_engine.engine import GRAPH_OBJECT_ID, fake_client_secret
from tests.plugin_host import PLUGIN_DIRECTORY, Plugin, started_plugin

EXAMPLE = yaml.safe_load(
    (PLUGIN_DIRECTORY.parent / "examples" / "yaml" / "Pulumi.yaml").read_text()
)
NAME = "privilegeSecure"
INPUTS: dict[str, Any] = EXAMPLE["resources"][NAME]["properties"]
GET_SERVICE_PRINCIPAL = types.GET_SERVICE_PRINCIPAL


@pytest.fixture(scope="module")
def constructed() -> Iterator[tuple[Plugin, provider_pb2.ConstructResponse]]:
    with started_plugin() as plugin:
        yield plugin, plugin.construct(TYPE_TOKEN, NAME, INPUTS)


def _state(response: provider_pb2.ConstructResponse) -> dict[str, Any]:
    state: dict[str, Any] = rpc.deserialize_properties(response.state, keep_unknowns=True)
    return state


def test_the_example_declares_the_2603_manifest_under_the_component(
    constructed: tuple[Plugin, provider_pb2.ConstructResponse],
) -> None:
    plugin, response = constructed
    component = f"urn:pulumi:dev::privilege-secure-yaml::{TYPE_TOKEN}::{NAME}"
    assert response.urn == component
    children = [r for r in plugin.run.resources if r.custom]
    assert {r.parent for r in children} == {component}
    manifest = MANIFESTS[INPUTS["privilegeSecureVersion"]]
    consents = {r.name: r.inputs for r in plugin.run.of_type(types.APP_ROLE_ASSIGNMENT)}
    assert sorted(consents) == sorted(
        f"{NAME}-consent-{p}" for p in manifest.application_permissions
    )
    assert {c["resourceObjectId"] for c in consents.values()} == {GRAPH_OBJECT_ID}
    assert plugin.run.of_type(types.DELEGATED_PERMISSION_GRANT) == []
    roles = {r.inputs["roleId"] for r in plugin.run.of_type(types.DIRECTORY_ROLE_ASSIGNMENT)}
    assert roles == {DIRECTORY_ROLE_TEMPLATE_IDS[role] for role in manifest.directory_roles}


def test_the_example_inputs_reach_the_children(
    constructed: tuple[Plugin, provider_pb2.ConstructResponse],
) -> None:
    """``secretLifetimeDays: 90`` crossed the wire as 90.0 and still set a 90-day lifetime."""
    plugin, _ = constructed
    (application,) = plugin.run.of_type(types.APPLICATION)
    assert application.inputs["displayName"] == INPUTS["displayName"]
    assert application.inputs["notes"] == INPUTS["notes"]
    (service_principal,) = plugin.run.of_type(types.SERVICE_PRINCIPAL)
    assert application.protect  # protect: true
    assert service_principal.protect
    rotation = plan_rotation(datetime.now(UTC), INPUTS["secretLifetimeDays"])
    end_dates = {r.inputs["endDate"] for r in plugin.run.of_type(types.APPLICATION_PASSWORD)}
    assert end_dates == {rfc3339(slot.end_date) for slot in rotation.slots}
    assert PASSWORD_WRITEBACK_WARNING in plugin.warnings  # hybridTenant: true


def test_the_outputs_and_the_secret_stays_secret(
    constructed: tuple[Plugin, provider_pb2.ConstructResponse],
) -> None:
    plugin, response = constructed
    state = _state(response)
    secret = state["clientSecret"]
    assert rpc.is_rpc_secret(secret)
    passwords = plugin.run.of_type(types.APPLICATION_PASSWORD)
    newest = max(passwords, key=lambda r: str(r.inputs["endDate"]))
    assert rpc.unwrap_rpc_secret(secret) == fake_client_secret(newest.name)
    plain = {name for name, value in state.items() if not rpc.is_rpc_secret(value)}
    assert plain == set(state) - {"clientSecret"}
    assert state["privilegeSecureVersion"] == "26.03"
    assert state["directoryRoles"] == [
        "User Administrator",
        "Privileged Authentication Administrator",
    ]
    assert state["passwordWritebackRequired"] is True
    assert state["clientId"] == plugin.run.of_type(types.APPLICATION)[0].outputs["clientId"]
    for name in ("clientId", "tenantId", "clientSecret", "clientSecretRotatesAt", "directoryRoles"):
        assert EXAMPLE["outputs"][name] == f"${{{NAME}.{name}}}"


def test_graph_is_looked_up_and_checked_before_any_child(
    constructed: tuple[Plugin, provider_pb2.ConstructResponse],
) -> None:
    """The synchronous lookup works inside the provider's event loop: first, and answered."""
    plugin, _ = constructed
    lookup = plugin.events.index(f"invoke {GET_SERVICE_PRINCIPAL}")
    children = [i for i, event in enumerate(plugin.events) if event.startswith(f"register {NAME}-")]
    assert len(children) == len(plugin.run.resources) - 1
    assert lookup < min(children)
    assert (GET_SERVICE_PRINCIPAL, {"clientId": MICROSOFT_GRAPH_APP_ID}) in plugin.run.invokes


def test_a_tenant_whose_graph_differs_gets_nothing() -> None:
    with started_plugin(graph_overrides={"User.ReadWrite.All": "0" * 36}) as plugin:
        with pytest.raises(grpc.RpcError) as raised:
            plugin.construct(TYPE_TOKEN, NAME, INPUTS)
        assert "User.ReadWrite.All (Application) is pinned as" in raised.value.details()
        # Only the children matter: the component's own registration may still be in flight
        # when Construct fails (the SDK registers it asynchronously), so it is not asserted.
        assert [r.type for r in plugin.run.resources if r.custom] == []


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (
            "secretLifetimeDays",
            90.5,
            "got 90.5; allowed: a whole number of days from 1 to 365 (the policy pack's "
            "client-secret-expiry maxLifetimeDays)",
        ),
        ("secretVersion", 0.0, "got 0; allowed: a whole number of 1 or more"),
        ("privilegeSecureVersion", 4.1, "got 4.1; allowed: one of '4.1', "),
        ("secretLifeTimeDays", 90, "unknown input; allowed: displayName, privilegeSecureVersion"),
    ],
)
def test_a_bad_input_is_refused_in_one_line_before_anything_is_declared(
    key: str, value: object, reason: str
) -> None:
    with started_plugin() as plugin:
        with pytest.raises(grpc.RpcError) as raised:
            plugin.construct(TYPE_TOKEN, NAME, {**INPUTS, key: value})
        error = raised.value
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.details().startswith(f"{key}: {reason}")
        assert "\n" not in error.details()
        assert plugin.run.resources == []


def test_the_engines_preview_constructs_too_with_the_secret_unknown_and_secret() -> None:
    """``pulumi preview`` (and every ``up``) calls Construct with ``dryRun`` first."""
    with started_plugin() as plugin:
        state = _state(plugin.construct(TYPE_TOKEN, NAME, INPUTS, dry_run=True))
        secret = state["clientSecret"]
        assert rpc.is_rpc_secret(secret)
        value = rpc.unwrap_rpc_secret(secret)
        assert value is None or isinstance(value, Unknown)  # known after apply
        assert state["directoryRoles"] == [
            "User Administrator",
            "Privileged Authentication Administrator",
        ]
        assert {r.type for r in plugin.run.resources if r.custom} >= {
            types.APPLICATION,
            types.APP_ROLE_ASSIGNMENT,
            types.DIRECTORY_ROLE_ASSIGNMENT,
        }


ADOPT: dict[str, Any] = {
    "applicationObjectId": "4f1c9a72-3e5b-4d8a-9c06-7b2e1f3a5d94",
    "servicePrincipalObjectId": "b83e5d21-6a4f-4c97-8e12-0d5f7a9c3b46",
    "appRoleAssignmentIds": {
        "GroupMember.ReadWrite.All": "Xm2pL8vRk0uTq3NwYc7sHdE5fGjKa9BzQ1oWi4V"
    },
    "directoryRoleAssignmentIds": {"Privileged Authentication Administrator": "pAA-1"},
}


def test_adopt_reaches_the_children_as_import_options() -> None:
    """A YAML program hands ``adopt`` to the component as an object: the same imports."""
    with started_plugin() as plugin:
        plugin.construct(TYPE_TOKEN, NAME, {**INPUTS, "adopt": ADOPT})
        imports = {r.name: r.import_id for r in plugin.run.resources if r.import_id}
    assert imports == {
        f"{NAME}-application": f"/applications/{ADOPT['applicationObjectId']}",
        f"{NAME}-service-principal": f"/servicePrincipals/{ADOPT['servicePrincipalObjectId']}",
        f"{NAME}-consent-GroupMember.ReadWrite.All": (
            f"/servicePrincipals/{GRAPH_OBJECT_ID}/appRoleAssignedTo/"
            "Xm2pL8vRk0uTq3NwYc7sHdE5fGjKa9BzQ1oWi4V"
        ),
        f"{NAME}-role-privileged-authentication-administrator": "pAA-1",
    }


def test_a_wrong_adopt_is_refused_before_anything_is_declared() -> None:
    wrong = {**ADOPT, "appRoleAssignmentIds": {"User.Read": "x"}}
    with started_plugin() as plugin:
        with pytest.raises(grpc.RpcError) as raised:
            plugin.construct(TYPE_TOKEN, NAME, {**INPUTS, "adopt": wrong})
        assert (
            "adopt.appRoleAssignmentIds: 'User.Read' is not an application permission of the "
            "26.03 manifest" in raised.value.details()
        )
        assert [r.type for r in plugin.run.resources if r.custom] == []


def test_a_deployment_ignores_a_pinned_clock_and_says_so() -> None:
    """Under the engine (not mocks) ``SOURCE_DATE_EPOCH`` would freeze rotation: wall clock."""
    long_ago = 1_500_000_000  # 2017: what a build image might pin
    with started_plugin(source_date_epoch=long_ago) as plugin:
        plugin.construct(TYPE_TOKEN, NAME, INPUTS)
    assert PINNED_CLOCK_IGNORED_WARNING in plugin.warnings
    rotation = plan_rotation(datetime.now(UTC), INPUTS["secretLifetimeDays"])
    end_dates = {r.inputs["endDate"] for r in plugin.run.of_type(types.APPLICATION_PASSWORD)}
    assert end_dates == {rfc3339(slot.end_date) for slot in rotation.slots}


def test_a_deployment_with_the_wall_clock_gives_no_clock_warning(
    constructed: tuple[Plugin, provider_pb2.ConstructResponse],
) -> None:
    plugin, _ = constructed
    assert PINNED_CLOCK_IGNORED_WARNING not in plugin.warnings
