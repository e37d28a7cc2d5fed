"""Run the policy pack the way the Pulumi CLI does, and speak the analyzer protocol to it.

The CLI starts a Python pack as ``python -u -m pulumi.policy <engine-address> .`` with the pack
directory as working directory, reads the port the pack prints on its first stdout line, then
calls ``GetAnalyzerInfo``, ``Configure`` (every policy, with its enforcement level and knobs),
``Analyze`` per resource and ``AnalyzeStack`` once. ``PolicyPackClient`` does the same with no
CLI: offline previews and the tests send the program's resources through the real pack.

The Python policy SDK never dials the engine address (``pulumi.log`` without a configured engine
writes to stderr), so no engine server is started; the address is passed for fidelity only.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Self, cast

import grpc  # type: ignore[import-untyped]
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from entra_vocabulary.unknown import UNKNOWN
from mock_engine.engine import DeclaredResource

PACK_DIRECTORY: Final = Path(__file__).resolve().parent.parent / "policies"
"""The repository's policy pack."""

WIRE_UNKNOWN: Final = rpc.UNKNOWN
"""How the analyzer protocol encodes an unknown value (the SDK's constant, not a second
sentinel): ``on_the_wire`` puts ``entra_vocabulary.unknown.UNKNOWN`` on the wire as this."""

_SECRET_SIGNATURE: Final = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}

_LEVELS: Final = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES: Final = {name: value for value, name in _LEVELS.items()}
_SEVERITIES: Final = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_POLICY_TYPES: Final = {
    analyzer_pb2.POLICY_TYPE_RESOURCE: "resource",
    analyzer_pb2.POLICY_TYPE_STACK: "stack",
}


class PolicyPackError(RuntimeError):
    """The pack did not start, or exited; carries what it wrote to stderr."""


@dataclass(frozen=True)
class Secret:
    """A property value the engine marks secret (sent with Pulumi's secret signature)."""

    value: object


@dataclass(frozen=True)
class PolicyDiagnostic:
    """One violation (or "can't run during preview" note) the pack reported."""

    policy_name: str
    enforcement_level: str
    """``advisory``, ``mandatory``, ``remediate`` or ``disabled``."""
    message: str
    """As the pack sent it: the policy description, a newline, then the violation."""
    urn: str
    """Empty for ``Analyze`` (the analyzed resource) and for stack-wide findings."""
    severity: str = ""

    @property
    def detail(self) -> str:
        """The violation itself, without the policy description in front."""
        return self.message.split("\n", 1)[-1]


@dataclass(frozen=True)
class PolicyInfo:
    """What the pack declares about one policy."""

    name: str
    description: str
    enforcement_level: str
    policy_type: str
    """``resource`` or ``stack``."""
    severity: str
    remediation_steps: str
    config_schema: Mapping[str, Any]
    """JSON schema ``properties`` of the policy's knobs."""
    required: Sequence[str] = ()


@dataclass(frozen=True)
class AnalyzerInfo:
    """The pack's name, version and policies, as ``GetAnalyzerInfo`` returns them."""

    name: str
    version: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]

    def policy(self, name: str) -> PolicyInfo:
        """One policy by name (``KeyError`` when the pack has no such policy)."""
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)


def _struct(values: Mapping[str, object]) -> struct_pb2.Struct:
    """Properties as the protobuf ``Struct`` the engine sends (secrets signed)."""
    result = struct_pb2.Struct()
    result.update(cast(dict[str, Any], {key: on_the_wire(value) for key, value in values.items()}))
    return result


def on_the_wire(value: object) -> object:
    """A property value as the engine puts it on the wire: JSON-like, secrets signed, unknowns
    as ``WIRE_UNKNOWN``."""
    if value is UNKNOWN:
        return WIRE_UNKNOWN
    if isinstance(value, Secret):
        return {**_SECRET_SIGNATURE, "value": on_the_wire(value.value)}
    if isinstance(value, Mapping):
        return {str(key): on_the_wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [on_the_wire(item) for item in value]
    return value


_STATE_IDS: Final = ("id", "objectId", "clientId")
"""The provider-computed ids a stack policy links resources by."""


def analyzer_properties(resource: DeclaredResource, state: bool = False) -> dict[str, object]:
    """What the engine sends the analyzer for one registration: its inputs, secret ones marked.

    ``state``: as ``AnalyzeStack`` sees it, the inputs plus the ids the provider computed (the
    engine hands stack policies the resources' state); during a preview of a new stack there
    are none yet.
    """
    properties = dict(resource.inputs)
    if state:
        properties.update({k: resource.outputs[k] for k in _STATE_IDS if k in resource.outputs})
        if resource.id:
            properties["id"] = resource.id
    return {
        key: Secret(value) if key in resource.secret_inputs else value
        for key, value in properties.items()
    }


def _options(resource: DeclaredResource) -> analyzer_pb2.AnalyzerResourceOptions:
    """The resource options message (the mock engine records no delete-before-replace, secret
    outputs or aliases: the program sets none)."""
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        ignoreChanges=list(resource.ignore_changes),
        parent=resource.parent or "",
    )


def _diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[PolicyDiagnostic]:
    """The response's diagnostics as dataclasses."""
    return [
        PolicyDiagnostic(
            policy_name=d.policyName,
            enforcement_level=_LEVELS.get(d.enforcementLevel, str(d.enforcementLevel)),
            message=d.message,
            urn=d.urn,
            severity=_SEVERITIES.get(d.severity, ""),
        )
        for d in response.diagnostics
    ]


class PolicyPackClient:
    """A policy pack process plus an analyzer client; use as a context manager.

    ``start()`` returns at once; the first call waits for the port, so the pack can boot while
    the caller does other work.
    """

    def __init__(
        self,
        pack_directory: Path = PACK_DIRECTORY,
        python: str | None = None,
        engine_address: str = "127.0.0.1:0",
        startup_timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Describe the pack to run; nothing starts before ``start()``.

        ``python``: a virtualenv built from the pack folder's own ``requirements.txt`` (which
        installs the folder's ``src/``, as the Pulumi CLI builds it). Default: this interpreter,
        with the folder's ``src/`` first on the pack's path, so that the folder's own
        ``entra_guard`` and ``entra_vocabulary`` judge, never the ones installed here: on a pull
        request the gate is the target branch's pack folder, while this interpreter has the pull
        request's packages installed.
        """
        self._pack_directory = pack_directory
        self._python = sys.executable if python is None else python
        self._engine_address = engine_address
        self._startup_timeout = startup_timeout
        base = dict(os.environ if env is None else env)
        if python is None:
            base["PYTHONPATH"] = str((pack_directory / "src").resolve())
        # The pack believes the offline preview's pinned clock (SOURCE_DATE_EPOCH) only when
        # told it runs under this client: never in a real `pulumi preview` or `pulumi up`.
        self._env = {**base, "PRIVILEGE_SECURE_OFFLINE_CLOCK": "1"}
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._port_ready = threading.Event()
        self._stderr: list[str] = []
        self._channel: Any = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: AnalyzerInfo | None = None

    def start(self) -> Self:
        """Start the pack process; returns without waiting for it to listen."""
        if self._process is not None:
            return self
        self._process = subprocess.Popen(
            [self._python, "-u", "-m", "pulumi.policy", self._engine_address, "."],
            cwd=self._pack_directory,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        threading.Thread(
            target=self._read_stdout, args=(self._process.stdout,), daemon=True
        ).start()
        threading.Thread(
            target=self._read_stderr, args=(self._process.stderr,), daemon=True
        ).start()
        return self

    def _read_stdout(self, stdout: IO[bytes]) -> None:
        """Take the port from the first line, then keep draining the pipe."""
        first = stdout.readline().decode(errors="replace").strip()
        if first.isdigit():
            self._port = int(first)
        self._port_ready.set()
        for _ in stdout:
            pass

    def _read_stderr(self, stderr: IO[bytes]) -> None:
        """Keep stderr (bounded) for error messages."""
        for line in stderr:
            self._stderr.append(line.decode(errors="replace"))
            del self._stderr[:-200]

    def _failure(self, what: str) -> PolicyPackError:
        """An error carrying the pack's stderr."""
        return PolicyPackError(f"{what}; pack stderr:\n{''.join(self._stderr)}")

    def wait_ready(self) -> int:
        """Wait until the pack listens; its port."""
        self.start()
        if self._stub is not None and self._port is not None:
            return self._port
        if not self._port_ready.wait(self._startup_timeout):
            raise self._failure(f"policy pack printed no port in {self._startup_timeout} s")
        if self._port is None:
            assert self._process is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(5)
            raise self._failure(f"policy pack did not start (exit code {self._process.poll()})")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self._port}")
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        return self._port

    def _analyzer(self) -> analyzer_pb2_grpc.AnalyzerStub:
        """The stub, once the pack listens."""
        self.wait_ready()
        assert self._stub is not None
        return self._stub

    def analyzer_info(self) -> AnalyzerInfo:
        """``GetAnalyzerInfo``: the pack's policies, levels and config schemas (cached)."""
        if self._info is None:
            info = self._analyzer().GetAnalyzerInfo(empty_pb2.Empty())
            self._info = AnalyzerInfo(
                name=info.name,
                version=info.version,
                supports_config=info.supportsConfig,
                policies=tuple(
                    PolicyInfo(
                        name=p.name,
                        description=p.description,
                        enforcement_level=_LEVELS[p.enforcementLevel],
                        policy_type=_POLICY_TYPES.get(p.policy_type, "unknown"),
                        severity=_SEVERITIES.get(p.severity, ""),
                        remediation_steps=p.remediation_steps,
                        config_schema=json_format.MessageToDict(p.configSchema.properties),
                        required=tuple(p.configSchema.required),
                    )
                    for p in info.policies
                ),
            )
        return self._info

    def configure(self, policy_config: Mapping[str, object]) -> None:
        """``Configure`` as the CLI does from a ``--policy-pack-config`` file's content.

        ``policy_config`` maps a policy name (or ``all``) to an enforcement level string or to
        ``{"enforcementLevel": ..., knob: value}``. Like the CLI, every policy is configured:
        unspecified levels keep the policy's default and unspecified knobs take the schema's
        defaults.
        """
        info = self.analyzer_info()
        unknown = set(policy_config) - {p.name for p in info.policies} - {"all"}
        if unknown:
            raise ValueError(f"no such policies in the pack: {sorted(unknown)}")
        everyone = policy_config.get("all")
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for policy in info.policies:
            level, knobs = (
                policy.enforcement_level,
                {
                    key: schema["default"]
                    for key, schema in policy.config_schema.items()
                    if isinstance(schema, Mapping) and "default" in schema
                },
            )
            for entry in (everyone, policy_config.get(policy.name)):
                if isinstance(entry, str):
                    level = entry
                elif isinstance(entry, Mapping):
                    level = str(entry.get("enforcementLevel", level))
                    knobs.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
            if level not in _LEVEL_VALUES:
                raise ValueError(f"{policy.name}: unknown enforcement level {level!r}")
            request.policyConfig[policy.name].CopyFrom(
                analyzer_pb2.PolicyConfig(
                    enforcementLevel=_LEVEL_VALUES[level], properties=_struct(knobs)
                )
            )
        self._analyzer().Configure(request)

    def configure_stack(self, stack: str, project: str, dry_run: bool = True) -> None:
        """``ConfigureStack``, which the CLI sends right after starting the pack."""
        self._analyzer().ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack, project=project, dry_run=dry_run
            )
        )

    def analyze(self, resource: DeclaredResource) -> list[PolicyDiagnostic]:
        """``Analyze`` one resource (the resource policies): its inputs."""
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            name=resource.name,
            urn=resource.urn,
            properties=_struct(analyzer_properties(resource)),
            options=_options(resource),
        )
        return _diagnostics(self._analyzer().Analyze(request))

    def analyze_stack(self, resources: Iterable[DeclaredResource]) -> list[PolicyDiagnostic]:
        """``AnalyzeStack`` over every resource (the stack policies): their state."""
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    name=r.name,
                    urn=r.urn,
                    properties=_struct(analyzer_properties(r, state=True)),
                    options=_options(r),
                    parent=r.parent or "",
                    dependencies=list(r.dependencies),
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                        for key, urns in r.property_dependencies.items()
                    },
                )
                for r in resources
            ]
        )
        return _diagnostics(self._analyzer().AnalyzeStack(request))

    def stop(self) -> None:
        """Close the channel and end the pack process."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
            self._stub = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None

    def __enter__(self) -> Self:
        """Start the pack (without waiting)."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the pack."""
        self.stop()
