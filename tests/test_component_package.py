"""The component for every Pulumi language: its inferred schema, and the plugin that serves it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.__main__ import PACKAGE_NAME, PACKAGE_VERSION
from components.app_registration import TYPE_TOKEN, AppRegistration
from components.settings import SETTINGS, SETTINGS_BY_KEY
from components.stack_outputs import STACK_OUTPUT_NAMES
from offline_preview.engine import REPOSITORY

SCHEMA_TYPES = {"string", "integer", "boolean", "number", "array", "object"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    provider = ComponentProvider([AppRegistration], PACKAGE_NAME, PACKAGE_NAME, PACKAGE_VERSION)
    assert provider.schema is not None
    document: dict[str, Any] = json.loads(provider.schema)
    return document


@pytest.fixture(scope="module")
def resource(schema: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = schema["resources"][TYPE_TOKEN]
    return entry


def test_the_package_is_privilegesecure(schema: dict[str, Any]) -> None:
    assert schema["name"] == "privilegesecure"
    assert list(schema["resources"]) == ["privilegesecure:index:AppRegistration"]
    assert schema["resources"][TYPE_TOKEN]["isComponent"] is True


def test_every_config_key_is_a_typed_described_input(resource: dict[str, Any]) -> None:
    inputs = resource["inputProperties"]
    assert set(inputs) == {setting.key for setting in SETTINGS}
    for name, spec in inputs.items():
        assert spec["type"] in SCHEMA_TYPES, name
        assert spec["description"], name
    assert resource["requiredInputs"] == ["displayName"]


def test_inputs_that_shape_the_resources_are_plain(resource: dict[str, Any]) -> None:
    """They decide which resources exist, so a caller must pass values, not outputs."""
    inputs = resource["inputProperties"]
    plain = {name for name, spec in inputs.items() if spec.get("plain")}
    assert plain == {setting.key for setting in SETTINGS if setting.plain}
    assert len(plain) == 7
    assert inputs["displayName"]["type"] == "string"
    assert inputs["owners"] == {
        "description": inputs["owners"]["description"],
        "type": "array",
        "items": {"description": inputs["owners"]["description"], "type": "string"},
    }


def test_every_stack_output_is_a_typed_described_output(resource: dict[str, Any]) -> None:
    outputs = resource["properties"]
    assert set(outputs) == set(STACK_OUTPUT_NAMES.values())
    assert set(resource["required"]) == set(outputs)
    for name, spec in outputs.items():
        assert spec["type"] in SCHEMA_TYPES, name
        assert spec["description"], name
    assert outputs["passwordWritebackRequired"]["type"] == "boolean"
    assert outputs["directoryRoles"]["items"]["type"] == "string"


def test_the_schema_has_no_unions(schema: dict[str, Any]) -> None:
    assert "oneOf" not in json.dumps(schema)


@pytest.fixture
def plugin() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """The plugin started the way the Pulumi CLI starts a Python component package."""
    process = subprocess.Popen(
        [sys.executable, "__main__.py", "127.0.0.1:1"],
        cwd=REPOSITORY / "components",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    try:
        assert port.isdigit(), process.stderr.read() if process.stderr else ""
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.terminate()
        process.wait(10)


def test_the_plugin_serves_the_same_schema(
    plugin: provider_pb2_grpc.ResourceProviderStub, schema: dict[str, Any]
) -> None:
    served = json.loads(plugin.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema)
    assert served == schema
    assert served["version"] == PACKAGE_VERSION


def test_the_plugin_manifest() -> None:
    manifest = yaml.safe_load((REPOSITORY / "components" / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    requirements = (REPOSITORY / "components" / "requirements.txt").read_text()
    assert "-r ../requirements.txt" in requirements


def test_the_yaml_example_uses_only_real_inputs_and_outputs(resource: dict[str, Any]) -> None:
    """The README's `pulumi package add` example, checked against the inferred schema."""
    program = yaml.safe_load((REPOSITORY / "examples" / "yaml" / "Pulumi.yaml").read_text())
    assert program["packages"] == {"privilegesecure": "../../components"}
    python_types = {"string": str, "integer": int, "boolean": bool}
    for name, declared in program["resources"].items():
        assert declared["type"] == TYPE_TOKEN
        for key, value in declared["properties"].items():
            spec = resource["inputProperties"][key]
            assert isinstance(value, python_types[spec["type"]]), key
            assert SETTINGS_BY_KEY[key].check(value), key
        for output in program["outputs"].values():
            match = re.fullmatch(r"\$\{(\w+)\.(\w+)\}", output)
            assert match is not None
            assert match[1] == name
            assert match[2] in resource["properties"]
