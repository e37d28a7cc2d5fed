"""Engine-like mocks: run the real ``__main__.py`` with no Pulumi CLI, provider or tenant.

The one implementation of mocks in this repository, shared by the tests and by anything else
that runs the program offline. It answers the way the Pulumi engine and the azuread provider do:
camelCase property names, ``/applications/{objectId}`` ids, real-looking GUIDs that are stable
from run to run, and a Microsoft Graph service principal that publishes Microsoft's real app
role and scope ids. In ``preview`` mode it answers like ``pulumi preview`` on a new stack:
provider-computed outputs (object ids, client ids, secret values) are unknown.

On request it also plays what a real tenant does that instant mocks do not: another identity
signed in, an application of the same name already there, an app-management policy capping
secret lifetimes, a new service principal that takes time to replicate (on a timeline driven by
the declared dependencies, as the engine schedules them).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import runpy
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pulumi
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import engine_pb2, resource_pb2

# The SDK's runtime internals this engine needs, each because no public API does it (keep to these):
# - ``configure`` with ``MockSettings`` instead of ``pulumi.runtime.set_mocks``: ``set_mocks``
#   cannot take our recording engine (log messages and their severities) or monitor features;
# - ``ROOT`` and ``SETTINGS.outputs``: many runs share one process (tests, the fleet preview), so
#   each run starts with no root stack resource and no outputs left over from a failed run;
# - ``run_in_stack``: runs the program as the language host does, the stack as root resource;
# - ``_sync_await`` and ``_ensure_event_loop``: drive that coroutine on the SDK's own event loop,
#   as the SDK's ``pulumi.runtime.mocks`` helpers do, and settle a failed run's leftover tasks.
from pulumi.runtime.settings import ROOT, SETTINGS, configure
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import rfc3339, rotation_clock
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    MICROSOFT_GRAPH_DISPLAY_NAME,
    PermissionType,
    pinned_permission_ids,
)
from entra_vocabulary.unknown import UNKNOWN

REPOSITORY: Final = Path(__file__).resolve().parent.parent
PROJECT: Final = "privilege-secure-entra"

_NAMESPACE: Final = uuid.UUID("6f1c1f5e-3b0e-4a57-9d43-3b1d3f0f4a10")
"""Seed of every fake GUID here: the same name gives the same GUID in every run."""


def fake_guid(*parts: str) -> str:
    """A stable, real-looking GUID for a fake object (never one of Microsoft's ids)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


TENANT_ID: Final = fake_guid("tenant")
DEPLOYER_CLIENT_ID: Final = fake_guid("deployer", "client")
DEPLOYER_OBJECT_ID: Final = fake_guid("deployer", "object")
GRAPH_OBJECT_ID: Final = fake_guid("service-principal", MICROSOFT_GRAPH_APP_ID)


def graph_service_principal(overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What ``azuread.getServicePrincipal`` answers for Microsoft Graph, camelCase as the engine.

    ``overrides`` replaces published ids by permission name, to play a tenant whose Graph
    differs from the pinned table.
    """
    app_role_ids = pinned_permission_ids(PermissionType.APPLICATION)
    scope_ids = pinned_permission_ids(PermissionType.DELEGATED)
    for name, permission_id in (overrides or {}).items():
        target = scope_ids if name in scope_ids else app_role_ids
        target[name] = permission_id
    return {
        "accountEnabled": True,
        "appRoleIds": app_role_ids,
        "appRoles": [
            {
                "id": i,
                "value": n,
                "displayName": n,
                "enabled": True,
                "allowedMemberTypes": ["Application"],
            }
            for n, i in app_role_ids.items()
        ],
        "applicationTenantId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "clientId": MICROSOFT_GRAPH_APP_ID,
        "displayName": MICROSOFT_GRAPH_DISPLAY_NAME,
        "id": f"/servicePrincipals/{GRAPH_OBJECT_ID}",
        "oauth2PermissionScopeIds": scope_ids,
        "oauth2PermissionScopes": [
            {"id": i, "value": n, "adminConsentDisplayName": n, "enabled": True, "type": "User"}
            for n, i in scope_ids.items()
        ],
        "objectId": GRAPH_OBJECT_ID,
        "servicePrincipalNames": [MICROSOFT_GRAPH_APP_ID, "https://graph.microsoft.com"],
        "signInAudience": "AzureADMultipleOrgs",
        "type": "Application",
    }


class DuplicateNameError(pulumi.RunError):
    """The azuread provider refused to create an application whose name is already taken."""


class AppManagementPolicyError(pulumi.RunError):
    """The tenant's app-management policy refused a client secret (Graph's 400)."""


TENANT_ROLE_TEMPLATES: Final[dict[str, str]] = dict(DIRECTORY_ROLE_TEMPLATE_IDS)
"""The built-in directory role templates the mock tenant publishes, name to template id: a copy
taken at import, so a test that edits the program's table plays a program that disagrees with
the tenant (and one that edits this dict plays a tenant that disagrees with the program)."""


def directory_role_templates() -> dict[str, Any]:
    """What ``azuread.getDirectoryRoleTemplates`` answers, camelCase as the engine."""
    templates = [
        {"description": f"{name} (built-in role)", "displayName": name, "objectId": template_id}
        for name, template_id in TENANT_ROLE_TEMPLATES.items()
    ]
    return {
        "id": "directoryRoleTemplates",
        "objectIds": [t["objectId"] for t in templates],
        "roleTemplates": templates,
    }


class EngineMocks(pulumi_mocks.Mocks):
    """Answers resource registrations and invokes as the engine and azuread provider would."""

    def __init__(
        self,
        preview: bool,
        graph_overrides: Mapping[str, str] | None = None,
        stack_references: Mapping[str, Mapping[str, StackOutput]] | None = None,
        deployer_object_id: str = DEPLOYER_OBJECT_ID,
        existing_applications: Mapping[str, str] | None = None,
        password_lifetime_cap_days: int | None = None,
        replication_delay_seconds: float = 0.0,
    ) -> None:
        self.preview = preview
        self.graph_overrides = dict(graph_overrides or {})
        self.stack_references = dict(stack_references or {})
        self.deployer_object_id = deployer_object_id
        """Who signed in: ``getClientConfig`` answers this object id (a user or a pipeline)."""
        self.existing_applications = dict(existing_applications or {})
        """Applications already in the tenant, outside this stack: display name to object id."""
        self.password_lifetime_cap_days = password_lifetime_cap_days
        """A tenant app-management policy's longest password lifetime; ``None``: no policy."""
        self.replication_delay_seconds = replication_delay_seconds
        """How long after its creation a new service principal can be assigned anything."""
        self.invokes: list[tuple[str, dict[str, Any]]] = []

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.invokes.append((args.token, dict(args.args)))
        if args.token == types.GET_CLIENT_CONFIG:
            return {
                "clientId": DEPLOYER_CLIENT_ID,
                "id": f"{DEPLOYER_CLIENT_ID}-{TENANT_ID}-{self.deployer_object_id}",
                "objectId": self.deployer_object_id,
                "tenantId": TENANT_ID,
            }, []
        if args.token == types.GET_DIRECTORY_ROLE_TEMPLATES:
            return directory_role_templates(), []
        if args.token == types.GET_SERVICE_PRINCIPAL:
            if args.args.get("clientId") == MICROSOFT_GRAPH_APP_ID:
                return graph_service_principal(self.graph_overrides), []
            raise LookupError(f"no service principal found for {args.args}")
        raise NotImplementedError(f"the offline engine does not answer invoke {args.token}")

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == types.STACK_REFERENCE:
            return self._stack_reference(str(args.inputs.get("name", args.name)))
        if not args.custom:
            return "", {}
        if args.resource_id:
            return self._imported(args)
        if self.preview:
            # `pulumi preview` of a new resource: its inputs, and nothing the provider computes.
            return "", dict(args.inputs)
        if args.typ == types.APPLICATION and args.inputs.get("preventDuplicateNames"):
            self._refuse_duplicate_name(str(args.inputs.get("displayName")))
        if args.typ == types.APPLICATION_PASSWORD:
            self._apply_app_management_policy(str(args.inputs.get("endDate")))
        computed = _COMPUTED.get(args.typ, _no_computed)(args.name, dict(args.inputs))
        object_id = computed.pop("id")
        return object_id, {**args.inputs, **computed}

    def _imported(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """The ``import`` option: the engine reads the existing object, in a preview too.

        Its id is the import id and what the provider computes is known (read from the
        tenant); the object ids are the adopted ones, parsed from the import id.
        """
        import_id = str(args.resource_id)
        computed = _COMPUTED.get(args.typ, _no_computed)(args.name, dict(args.inputs))
        computed.pop("id")
        if args.typ in (types.APPLICATION, types.SERVICE_PRINCIPAL):
            object_id = import_id.rsplit("/", 1)[-1]
            computed["objectId"] = object_id
            if args.typ == types.APPLICATION:
                computed["clientId"] = fake_guid("client", object_id)
        return import_id, {**args.inputs, **computed}

    def _refuse_duplicate_name(self, display_name: str) -> None:
        """The provider's create with ``preventDuplicateNames``: an existing name is an error."""
        existing = self.existing_applications.get(display_name)
        if existing is not None:
            raise DuplicateNameError(
                f'An existing "azuread_application" with name "{display_name}" '
                f'(ID: "/applications/{existing}") was found and `prevent_duplicate_names` was '
                "specified"
            )

    def _apply_app_management_policy(self, end_date: str) -> None:
        """Microsoft Graph's ``addPassword`` under a lifetime cap: a longer secret is an error."""
        cap = self.password_lifetime_cap_days
        if cap is None:
            return
        ends = datetime.strptime(end_date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if ends - rotation_clock() > timedelta(days=cap):
            raise AppManagementPolicyError(
                "Could not add password: unexpected status 400 (400 Bad Request) with error: "
                "CredentialInvalidLifetimeAsPerAppPolicy: Credential lifetime exceeds the max "
                "value allowed as per assigned policy."
            )

    def _stack_reference(self, stack: str) -> tuple[str, dict[str, Any]]:
        """A read of another stack's outputs, secrets marked the way the engine marks them."""
        if stack not in self.stack_references:
            raise LookupError(f"unknown stack {stack!r}: pass its outputs in stack_references")
        outputs = self.stack_references[stack]
        return stack, {
            "name": stack,
            "outputs": {
                name: rpc.wrap_rpc_secret(o.value) if o.secret else o.value
                for name, o in outputs.items()
            },
            "secretOutputNames": sorted(name for name, o in outputs.items() if o.secret),
        }


def _no_computed(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"id": fake_guid("resource", name)}


def _application(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    object_id = fake_guid("application", name)
    return {
        "id": f"/applications/{object_id}",
        "objectId": object_id,
        "clientId": fake_guid("client", name),
        "publisherDomain": "contoso.onmicrosoft.com",
        "signInAudience": inputs.get("signInAudience", "AzureADMyOrg"),
    }


def _service_principal(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    object_id = fake_guid("service-principal", name)
    return {
        "id": f"/servicePrincipals/{object_id}",
        "objectId": object_id,
        "applicationTenantId": TENANT_ID,
        "type": "Application",
    }


def _app_role_assignment(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"/servicePrincipals/{inputs.get('resourceObjectId')}/appRoleAssignedTo/"
        + _opaque_id(name),
        "principalType": "ServicePrincipal",
        "resourceDisplayName": MICROSOFT_GRAPH_DISPLAY_NAME,
    }


def _delegated_permission_grant(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"/oauth2PermissionGrants/{_opaque_id(name)}"}


def _application_password(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    key_id = fake_guid("password", name)
    return {
        "id": f"{inputs.get('applicationId')}/password/{key_id}",
        "keyId": key_id,
        "startDate": "2026-01-01T00:00:00Z",
        "value": fake_client_secret(name),
    }


def _directory_role_assignment(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"id": _opaque_id(name), "directoryScopeId": "/"}


def _sleep(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The time provider's ``time_sleep``: its id is the moment it finished, in RFC 3339 UTC."""
    return {"id": rfc3339(rotation_clock())}


_COMPUTED: Final[dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]]] = {
    types.APPLICATION: _application,
    types.SERVICE_PRINCIPAL: _service_principal,
    types.APP_ROLE_ASSIGNMENT: _app_role_assignment,
    types.DELEGATED_PERMISSION_GRANT: _delegated_permission_grant,
    types.APPLICATION_PASSWORD: _application_password,
    types.DIRECTORY_ROLE_ASSIGNMENT: _directory_role_assignment,
    types.SLEEP: _sleep,
}


def fake_client_secret(name: str) -> str:
    """A value shaped like an Entra client secret (40 characters, ``~`` at 4), never a real one."""
    digest = hashlib.sha256(f"secret/{name}".encode()).hexdigest()
    return f"{digest[:3]}8Q~{digest[3:39]}"


def _opaque_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:43]


@dataclass(frozen=True)
class DeclaredResource:
    """One resource registration, as the engine received it."""

    type: str
    name: str
    urn: str
    id: str
    """The provider's id (``/applications/{objectId}`` for an application); empty in a preview."""
    parent: str
    custom: bool
    inputs: dict[str, Any]
    """camelCase, secrets unwrapped (see ``secret_inputs``); ``UNKNOWN`` where not yet known."""
    secret_inputs: frozenset[str]
    outputs: dict[str, Any]
    protect: bool
    ignore_changes: tuple[str, ...]
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    import_id: str = ""
    """The ``import`` resource option: the existing object this resource adopts, or empty."""
    retain_on_delete: bool = False
    """``ResourceOptions(retain_on_delete=True)``: the analyzer protocol never carries it."""
    deleted_with: str = ""
    """``ResourceOptions(deleted_with=...)``'s URN: never carried to a policy pack either."""


@dataclass(frozen=True)
class StackOutput:
    value: Any
    secret: bool


@dataclass
class ProgramRun:
    """Everything one run of the program told the engine."""

    resources: list[DeclaredResource] = field(default_factory=list)
    outputs: dict[str, StackOutput] = field(default_factory=dict)
    logs: list[tuple[str, str]] = field(default_factory=list)
    """(severity, message) in order: ``warning`` for ``pulumi.log.warn``."""
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    error: str | None = None
    """The program's one-line error, or the provider's, when the run stopped."""

    def of_type(self, type_token: str) -> list[DeclaredResource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> DeclaredResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    @property
    def warnings(self) -> list[str]:
        return [message for severity, message in self.logs if severity == "warning"]


_SEVERITIES: Final = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


class _RecordingEngine:
    """Stands in for the engine's log service."""

    def __init__(self, run: ProgramRun) -> None:
        self.run = run

    def Log(self, request: engine_pb2.LogRequest) -> None:  # noqa: N802 (gRPC method name)
        if request.severity != engine_pb2.DEBUG:  # the SDK's own tracing, not the program's
            self.run.logs.append((_SEVERITIES.get(request.severity, "info"), request.message))


class ReplicationError(pulumi.RunError):
    """A principal was assigned something before Entra had replicated it (Graph's 404)."""


_GRAPH_CALL_SECONDS: Final = 1.0
_PRINCIPAL_INPUTS: Final = {
    types.APP_ROLE_ASSIGNMENT: "principalObjectId",
    types.DIRECTORY_ROLE_ASSIGNMENT: "principalObjectId",
    types.DELEGATED_PERMISSION_GRANT: "servicePrincipalObjectId",
}


class _Timeline:
    """When each resource of a `pulumi up` would be created, on a clock of its own.

    The engine starts a resource once everything it depends on is done; a Graph call takes a
    second, a ``Sleep`` its ``createDuration``. A service principal can be assigned anything only
    ``replication_delay`` after it was created. The provider's retries are not modelled: the
    program must never need them (they give up, or orphan an assignment).
    """

    def __init__(self, replication_delay: float) -> None:
        self.replication_delay = replication_delay
        self.done: dict[str, float] = {}
        self.usable_at: dict[str, float] = {}

    def start(self, request: resource_pb2.RegisterResourceRequest, inputs: dict[str, Any]) -> float:
        """When the resource is created; refused if it assigns an unreplicated principal."""
        started = max((self.done.get(urn, 0.0) for urn in request.dependencies), default=0.0)
        principal_input = _PRINCIPAL_INPUTS.get(request.type)
        if principal_input is None:
            return started
        principal = inputs.get(principal_input)
        usable_at = self.usable_at.get(principal, 0.0) if isinstance(principal, str) else 0.0
        if started < usable_at:
            raise ReplicationError(
                f"{request.name}: unexpected status 404 (404 Not Found) with error: "
                f"Request_ResourceNotFound: Resource '{principal}' does not exist or one of its "
                f"queried reference-property objects are not present (at {started:.0f} s; "
                f"replicated at {usable_at:.0f} s)"
            )
        return started

    def finish(
        self, urn: str, type_: str, started: float, inputs: dict[str, Any], outputs: dict[str, Any]
    ) -> None:
        took = _GRAPH_CALL_SECONDS
        if type_ == types.SLEEP:
            took = _go_duration_seconds(str(inputs.get("createDuration") or "0s"))
        self.done[urn] = started + took
        object_id = outputs.get("objectId")
        if type_ == types.SERVICE_PRINCIPAL and isinstance(object_id, str):
            self.usable_at[object_id] = started + took + self.replication_delay


def _go_duration_seconds(duration: str) -> float:
    """``90s``, ``3m``, ``1h30m``: the Go durations the time provider takes."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    parts = re.findall(r"([0-9.]+)(h|m|s)", duration)
    return sum(float(amount) * units[unit] for amount, unit in parts)


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock resource monitor, also keeping what a policy pack or a reviewer needs."""

    def __init__(self, mocks: EngineMocks, run: ProgramRun) -> None:
        super().__init__(mocks)
        self.run = run
        self.engine_mocks = mocks
        self.timeline = _Timeline(mocks.replication_delay_seconds)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """As the engine does: children of the stack get no ``pulumi:pulumi:Stack$`` prefix."""
        if "::pulumi:pulumi:Stack::" in parent:
            parent = ""
        return str(super().make_urn(parent, type_, name))

    def RegisterResource(  # noqa: N802 (gRPC method name)
        self, request: resource_pb2.RegisterResourceRequest
    ) -> resource_pb2.RegisterResourceResponse:
        inputs, secret_inputs = _plain_properties(
            rpc.deserialize_properties(request.object, keep_unknowns=True)
        )
        if request.type.startswith(types.PROVIDER_PREFIX):
            # As the engine does: a provider's plugin version and download URL become inputs.
            if request.version:
                inputs["version"] = request.version
            if request.pluginDownloadURL:
                inputs["pluginDownloadURL"] = request.pluginDownloadURL
        # A preview creates nothing; the mocks' mode may change between Constructs.
        started = 0.0 if self.engine_mocks.preview else self.timeline.start(request, inputs)
        response: resource_pb2.RegisterResourceResponse
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == types.STACK:
            return response
        outputs, _ = _plain_properties(rpc.deserialize_properties(response.object))
        self.timeline.finish(response.urn, request.type, started, inputs, outputs)
        self.run.resources.append(
            DeclaredResource(
                type=request.type,
                name=request.name,
                urn=response.urn,
                id=response.id,
                parent=request.parent,
                custom=request.custom,
                inputs=inputs,
                secret_inputs=secret_inputs,
                outputs=outputs,
                protect=bool(request.protect),
                ignore_changes=tuple(request.ignoreChanges),
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                import_id=request.importId,
                retain_on_delete=bool(request.retainOnDelete),
                deleted_with=request.deletedWith,
            )
        )
        return response

    def RegisterResourceOutputs(  # noqa: N802 (gRPC method name)
        self, request: resource_pb2.RegisterResourceOutputsRequest
    ) -> empty_pb2.Empty:
        if "::pulumi:pulumi:Stack::" in request.urn:
            outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
            for name, value in outputs.items():
                plain, secret = _plain_value(value)
                self.run.outputs[name] = StackOutput(plain, secret)
        return empty_pb2.Empty()


def _plain_properties(properties: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    plain: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in properties.items():
        plain[key], is_secret = _plain_value(value)
        if is_secret:
            secret.add(key)
    return plain, frozenset(secret)


def _plain_value(value: object) -> tuple[object, bool]:
    """Unwrap the engine's secret and unknown markers; report whether a secret was inside."""
    if rpc.is_rpc_secret(value):
        inner, _ = _plain_value(rpc.unwrap_rpc_secret(value))
        return inner, True
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN, False
    if isinstance(value, dict):
        pairs = {k: _plain_value(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_plain_value(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


SECURE_PLACEHOLDER: Final = "[secure value, not decrypted offline]"


@dataclass(frozen=True)
class StackConfig:
    """A ``Pulumi.<stack>.yaml`` as the CLI hands it to the program: full keys, string values."""

    values: dict[str, str]
    secret_keys: frozenset[str]


def read_stack_config_file(path: Path) -> StackConfig:
    """Read a stack file the way the Pulumi CLI does, leaving ``secure:`` values encrypted.

    The CLI passes every value as a string: strings as they are, anything else as JSON.
    """
    document = yaml.safe_load(path.read_text()) or {}
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in (document.get("config") or {}).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[key] = SECURE_PLACEHOLDER
            secret_keys.add(key)
        elif isinstance(value, str):
            values[key] = value
        else:
            values[key] = json.dumps(value)
    return StackConfig(values, frozenset(secret_keys))


def run_program(
    config: Mapping[str, str],
    *,
    stack: str = "dev",
    preview: bool = False,
    secret_keys: frozenset[str] = frozenset(),
    graph_overrides: Mapping[str, str] | None = None,
    stack_references: Mapping[str, Mapping[str, StackOutput]] | None = None,
    program: Path = REPOSITORY / "__main__.py",
    project: str = PROJECT,
    deployer_object_id: str = DEPLOYER_OBJECT_ID,
    existing_applications: Mapping[str, str] | None = None,
    password_lifetime_cap_days: int | None = None,
    replication_delay_seconds: float = 0.0,
) -> ProgramRun:
    """Run the program once under the mocks and return what it declared.

    ``config`` holds full keys (``privilege-secure-entra:displayName``) and string values, as the
    Pulumi CLI hands them over. ``stack_references`` answers ``pulumi.StackReference`` reads by
    stack name; ``program`` and ``project`` run another program (an example consumer, say);
    ``deployer_object_id`` is the identity signed in (``azuread.getClientConfig``), and
    ``existing_applications`` the apps already in the tenant (display name to object id);
    ``password_lifetime_cap_days`` plays a tenant app-management policy capping secrets, and
    ``replication_delay_seconds`` a tenant slow to replicate a new service principal.
    A ``pulumi.RunError`` (the program's one-line refusal, or a provider's refusal these mocks
    play: a duplicate name, a secret over the tenant's cap, an unreplicated principal) lands in
    ``ProgramRun.error``; anything else is a bug and propagates.
    """
    run = ProgramRun()
    mocks = EngineMocks(
        preview,
        graph_overrides,
        stack_references,
        deployer_object_id,
        existing_applications,
        password_lifetime_cap_days,
        replication_delay_seconds,
    )
    run.invokes = mocks.invokes
    monitor = _RecordingMonitor(mocks, run)
    set_all_config(dict(config), list(secret_keys))
    ROOT.set(None)
    configure(
        pulumi_mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(
                monitor.GetDeploymentInfo(None).supportedFeatures  # type: ignore[no-untyped-call]
            ),
            engine=_RecordingEngine(run),
            project=project,
            stack=stack,
            dry_run=preview,
            organization="organization",
            callbacks=None,
        )
    )
    with _quiet_runtime_logger(), _on_path(program.parent):
        try:
            _sync_await(run_in_stack(lambda: _run_path(program)))
        except pulumi.RunError as error:
            run.error = str(error)
            _finish_leftover_tasks()
    return run


def _finish_leftover_tasks() -> None:
    """After a failed registration, let every registration it does not hold back go through.

    The engine creates what does not depend on a failed resource, in parallel, while the failed
    one fails; only dependents are never created. Here the failed run's other registrations
    finish (and are recorded), and none is left waiting in the event loop for the next run.
    """
    loop = _ensure_event_loop()
    leftover = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if leftover:
        _, stuck = loop.run_until_complete(asyncio.wait(leftover, timeout=_LEFTOVER_GRACE_SECONDS))
        for task in stuck:
            task.cancel()
        if stuck:
            loop.run_until_complete(asyncio.gather(*stuck, return_exceptions=True))
    with SETTINGS.lock:
        SETTINGS.outputs.clear()  # the failed run's outputs, which the next run would await


_LEFTOVER_GRACE_SECONDS: Final = 30.0
"""A safety net only: leftover registrations settle in milliseconds under the mocks."""


def _run_path(program: Path) -> None:
    runpy.run_path(str(program), run_name="__main__")


@contextmanager
def _on_path(directory: Path) -> Iterator[None]:
    """Let the program import its own packages, as the Pulumi language host does."""
    entry = str(directory)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added:
            sys.path.remove(entry)


def _drop_unretrieved_program_errors(
    loop: asyncio.AbstractEventLoop, context: dict[str, Any]
) -> None:
    """A ``RunError`` already became ``ProgramRun.error``; report anything else as usual."""
    if not isinstance(context.get("exception"), pulumi.RunError):
        loop.default_exception_handler(context)


@contextmanager
def _quiet_runtime_logger() -> Iterator[None]:
    """Keep a failed program's tracebacks out of the output: the caller reports ``error``.

    The SDK logs them at ERROR; asyncio reports each failed registration's future again whenever
    it is collected, possibly much later, so the event loop drops exactly those reports.
    """
    _ensure_event_loop().set_exception_handler(_drop_unretrieved_program_errors)
    loggers = [logging.getLogger("pulumi")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


__all__ = [
    "DEPLOYER_OBJECT_ID",
    "GRAPH_OBJECT_ID",
    "TENANT_ID",
    "UNKNOWN",
    "DeclaredResource",
    "EngineMocks",
    "ProgramRun",
    "StackOutput",
    "fake_client_secret",
    "fake_guid",
    "graph_service_principal",
    "run_program",
]
