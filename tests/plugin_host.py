"""Play the Pulumi engine for ``components/``: start the plugin as the CLI does, answer over gRPC.

The Python language host runs a plugin directory as ``python <directory> <engine address>``
(pulumi-language-python ``RunPlugin``); the plugin prints its port on its first stdout line.
This module does the same, behind a recording engine (the ``Engine`` log service) and a recording
``ResourceMonitor``, both real gRPC servers. The monitor answers with the repository's one set of
engine-like mocks (``mock_engine.engine``), so a ``Construct`` over the protocol declares
what the mocked program declares. ``Plugin.construct`` sends what the engine's provider client
sends for a resource of a YAML program (pulumi ``pkg/resource/plugin/provider_plugin.go``):
``Configure``, then ``Construct`` with the inputs as a protobuf ``Struct``. Like the SDK's mock
monitor, ours does not offer the ``outputValues`` feature, so the plugin sends plain and secret
values rather than output values.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from mock_engine.engine import (
    REPOSITORY,
    EngineMocks,
    ProgramRun,
    _RecordingMonitor,
)

PLUGIN_DIRECTORY = REPOSITORY / "components"


class _Monitor(_RecordingMonitor):
    """The mocks' monitor, naming URNs after the stack and project the engine was given.

    ``events`` keeps the order of calls: ``invoke <token>`` and ``register <name>``.
    """

    def __init__(
        self,
        run: ProgramRun,
        project: str,
        stack: str,
        graph_overrides: Mapping[str, str] | None,
        events: list[str],
    ) -> None:
        self.engine_mocks = EngineMocks(preview=False, graph_overrides=graph_overrides)
        super().__init__(self.engine_mocks, run)
        run.invokes = self.engine_mocks.invokes
        self.project = project
        self.stack = stack
        self.events = events

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self.events.append(f"invoke {request.tok}")
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self.events.append(f"register {request.name}")
        return super().RegisterResource(request)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        qualified = type_
        if parent and "::pulumi:pulumi:Stack::" not in parent:
            qualified = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"


class _MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    """``ResourceMonitor`` over gRPC: every call the plugin makes, answered by ``_Monitor``."""

    def __init__(self, monitor: _Monitor) -> None:
        self.monitor = monitor

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.GetDeploymentInfo(request)  # type: ignore[no-untyped-call]

    def SupportsFeature(self, request: Any, context: Any) -> Any:  # noqa: N802
        answer = self.monitor.SupportsFeature(request)  # type: ignore[no-untyped-call]
        return resource_pb2.SupportsFeatureResponse(hasSupport=answer.hasSupport)

    def Invoke(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.Invoke(request)

    def RegisterResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.RegisterResourceOutputs(request)

    def RegisterPackage(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.RegisterPackage(request)  # type: ignore[no-untyped-call]

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    """The engine's log service: keeps what the plugin logs, as ``pulumi up`` would show it."""

    def __init__(self, logs: list[tuple[int, str]]) -> None:
        self.logs = logs

    def Log(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return engine_pb2.SetRootResourceResponse()


@dataclass
class Plugin:
    """A running ``components/`` plugin and the engine side it talks to."""

    provider: provider_pb2_grpc.ResourceProviderStub
    monitor_address: str
    run: ProgramRun
    """Every resource the plugin registered with the monitor."""
    logs: list[tuple[int, str]] = field(default_factory=list)
    """(severity, message) the plugin sent to the engine."""
    events: list[str] = field(default_factory=list)
    """Monitor calls in order: ``invoke <token>``, ``register <resource name>``."""

    project: str = "privilege-secure-yaml"
    stack: str = "dev"
    mocks: EngineMocks | None = None
    """The monitor's answers; ``construct`` sets their preview mode from ``dry_run``."""

    @property
    def stack_urn(self) -> str:
        name = f"{self.project}-{self.stack}"
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::{name}"

    def construct(
        self, type_token: str, name: str, inputs: Mapping[str, Any], dry_run: bool = False
    ) -> provider_pb2.ConstructResponse:
        """Configure, then Construct, as the engine does for a resource of a YAML program.

        The inputs travel as a protobuf ``Struct``, so every number is a float, as on the wire.
        """
        if self.mocks is not None:
            self.mocks.preview = dry_run  # a preview's provider computes nothing
        properties = struct_pb2.Struct()
        properties.update(inputs)
        self.provider.Configure(
            provider_pb2.ConfigureRequest(acceptSecrets=True, acceptResources=True)
        )
        response: provider_pb2.ConstructResponse = self.provider.Construct(
            provider_pb2.ConstructRequest(
                project=self.project,
                stack=self.stack,
                organization="organization",
                type=type_token,
                name=name,
                parent=self.stack_urn,
                inputs=properties,
                monitorEndpoint=self.monitor_address,
                dryRun=dry_run,
                parallel=16,
                accepts_output_values=True,
            ),
            timeout=120,
        )
        return response

    @property
    def warnings(self) -> list[str]:
        return [message for severity, message in self.logs if severity == engine_pb2.WARNING]


@contextmanager
def _server(*services: tuple[Any, Any]) -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    for add, servicer in services:
        add(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


@contextmanager
def started_plugin(
    project: str = "privilege-secure-yaml",
    stack: str = "dev",
    graph_overrides: Mapping[str, str] | None = None,
    source_date_epoch: int | None = None,
) -> Iterator[Plugin]:
    """``components/`` started as the Pulumi CLI starts a Python plugin, with a recording engine.

    The plugin gets the real clock: ``SOURCE_DATE_EPOCH`` pins time under mocks only, and the
    tests' own is not passed on. ``source_date_epoch`` sets one, as a build image might, to check
    that a deployment ignores it. ``graph_overrides`` plays a tenant whose Microsoft Graph
    publishes other permission ids.
    """
    run = ProgramRun()
    logs: list[tuple[int, str]] = []
    events: list[str] = []
    recording = _Monitor(run, project, stack, graph_overrides, events)
    monitor = _MonitorServicer(recording)
    with (
        _server((engine_pb2_grpc.add_EngineServicer_to_server, _EngineServicer(logs))) as engine,
        _server((resource_pb2_grpc.add_ResourceMonitorServicer_to_server, monitor)) as monitor_at,
    ):
        environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        if source_date_epoch is not None:
            environment["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
        process = subprocess.Popen(
            [sys.executable, str(PLUGIN_DIRECTORY), engine],
            cwd=PLUGIN_DIRECTORY,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        try:
            port = process.stdout.readline().strip()
            if not port.isdigit():
                process.kill()
                raise RuntimeError(f"the plugin printed no port: {process.communicate()[1]}")
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                yield Plugin(
                    provider_pb2_grpc.ResourceProviderStub(channel),
                    monitor_at,
                    run,
                    logs,
                    events,
                    project,
                    stack,
                    recording.engine_mocks,
                )
        finally:
            process.terminate()
            process.communicate(timeout=10)
