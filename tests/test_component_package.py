"""The component package as a consumer reads it: its schema, served over the provider protocol."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import regress
import yaml
from pulumi.runtime.proto import provider_pb2

from components.app_registration import TYPE_TOKEN
from components.package import (
    PACKAGE_NAME,
    PACKAGE_VERSION,
    SECRET_OUTPUTS,
    VERSION_TYPE_TOKEN,
    AppRegistrationProvider,
)
from components.settings import SETTINGS, SETTINGS_BY_KEY
from components.stack_outputs import STACK_OUTPUT_NAMES
from entra_vocabulary.manifests import MANIFESTS
from mock_engine.engine import REPOSITORY
from tests.plugin_host import Plugin, started_plugin

SCHEMA_TYPES = {"string", "integer", "boolean", "number", "array", "object"}
METASCHEMA = json.loads(
    (REPOSITORY / "tests" / "fixtures" / "pulumi-package-metaschema.json").read_text()
)


@pytest.fixture(scope="module")
def plugin() -> Iterator[Plugin]:
    with started_plugin() as running:
        yield running


@pytest.fixture(scope="module")
def schema(plugin: Plugin) -> dict[str, Any]:
    """Asked for the way the CLI asks: ``GetSchema`` over gRPC to the started plugin folder."""
    response = plugin.provider.GetSchema(provider_pb2.GetSchemaRequest(version=0))
    document: dict[str, Any] = json.loads(response.schema)
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
        assert spec.get("type") in SCHEMA_TYPES or spec["$ref"] == f"#/types/{VERSION_TYPE_TOKEN}"
        assert spec["description"], name
    assert resource["requiredInputs"] == ["displayName"]


def test_every_input_states_its_limits_and_default(resource: dict[str, Any]) -> None:
    """What the component enforces, said where a consumer's SDK and IDE show it."""
    for name, spec in resource["inputProperties"].items():
        setting = SETTINGS_BY_KEY[name]
        assert f"Allowed: {setting.allowed}." in spec["description"], name
        if name in resource["requiredInputs"]:
            assert "default" not in spec
            assert spec["description"].endswith("Required."), name
        elif setting.default is not None:
            assert spec["default"] == setting.default, name
            assert spec["description"].endswith(f"Default: {json.dumps(setting.default)}.")
        else:  # the component decides: the description says what
            assert "default: " in spec["description"].lower(), name
    lifetime = resource["inputProperties"]["secretLifetimeDays"]
    assert lifetime["default"] == 180
    assert (
        "from 1 to 365 (the policy pack's client-secret-expiry maxLifetimeDays)"
        in lifetime["description"]
    )


def test_the_version_is_an_enum_of_every_manifest(schema: dict[str, Any]) -> None:
    version = schema["resources"][TYPE_TOKEN]["inputProperties"]["privilegeSecureVersion"]
    assert version["$ref"] == f"#/types/{VERSION_TYPE_TOKEN}"
    assert version["default"] == "4.1"
    assert version["plain"] is True
    enum = schema["types"][VERSION_TYPE_TOKEN]
    assert enum["type"] == "string"
    assert [value["value"] for value in enum["enum"]] == list(MANIFESTS)
    names = {value["value"]: value["name"] for value in enum["enum"]}
    assert names["4.1"] == "V4_1"
    assert names["26.03"] == "V26_03"


def test_client_secret_is_the_only_secret_output(resource: dict[str, Any]) -> None:
    secret = {name for name, spec in resource["properties"].items() if spec.get("secret")}
    assert secret == SECRET_OUTPUTS == {"clientSecret"}


def test_the_package_says_who_publishes_it_and_where(schema: dict[str, Any]) -> None:
    for field in ("description", "repository", "license", "publisher", "homepage"):
        assert isinstance(schema[field], str), field
        assert schema[field].strip(), field
    assert schema["repository"].startswith("https://")
    readme = (REPOSITORY / "README.md").read_text()
    assert f"pulumi package add {schema['repository']}/components" in readme


def test_the_served_schema_is_a_valid_pulumi_package_schema(schema: dict[str, Any]) -> None:
    """Pulumi's own metaschema; its patterns are ECMA-262, so checked with an ECMA-262 engine."""

    def ecma_pattern(
        validator: Any, pattern: str, instance: Any, _schema: Any
    ) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, str) and regress.Regex(pattern).find(instance) is None:
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    validator_class = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, {"pattern": ecma_pattern}
    )
    validator_class(METASCHEMA).validate(schema)
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        validator_class(METASCHEMA).validate({**schema, "version": "v0.1"})


def test_inputs_that_shape_the_resources_are_plain(resource: dict[str, Any]) -> None:
    """They decide which resources exist, so a caller must pass values, not outputs."""
    inputs = resource["inputProperties"]
    plain = {name for name, spec in inputs.items() if spec.get("plain")}
    assert plain == {setting.key for setting in SETTINGS if setting.plain}
    assert len(plain) == 8
    assert inputs["displayName"]["type"] == "string"
    assert inputs["owners"] == {
        "description": inputs["owners"]["description"],
        "type": "array",
        "items": {"type": "string"},
    }


def test_every_stack_output_is_a_typed_described_output(resource: dict[str, Any]) -> None:
    outputs = resource["properties"]
    assert set(outputs) == set(STACK_OUTPUT_NAMES.values())
    assert set(resource["required"]) == set(outputs)
    for name, spec in outputs.items():
        assert spec["type"] in SCHEMA_TYPES, name
        assert spec["description"], name
    assert "always a Pulumi secret" in outputs["clientSecret"]["description"]
    assert outputs["passwordWritebackRequired"]["type"] == "boolean"
    assert outputs["directoryRoles"]["items"]["type"] == "string"


def test_the_schema_has_no_unions(schema: dict[str, Any]) -> None:
    assert "oneOf" not in json.dumps(schema)


def test_the_plugin_serves_what_the_provider_class_builds(schema: dict[str, Any]) -> None:
    """One schema: the process the CLI starts serves exactly the provider class's."""
    provider = AppRegistrationProvider()
    assert provider.schema is not None
    assert schema == json.loads(provider.schema)
    assert schema["name"] == PACKAGE_NAME
    assert schema["version"] == PACKAGE_VERSION


def test_the_plugin_manifest() -> None:
    manifest = yaml.safe_load((REPOSITORY / "components" / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    requirements = (REPOSITORY / "components" / "requirements.txt").read_text()
    # pip runs in components/: the pins, this repository and the vocabulary, relative to it
    assert requirements.splitlines()[-3:] == [
        "-r ../requirements-runtime.txt",
        "-e ..",
        "-e ../policies",
    ]


def test_the_yaml_example_uses_only_real_inputs_and_outputs(resource: dict[str, Any]) -> None:
    """The README's `pulumi package add` example, checked against the inferred schema."""
    program = yaml.safe_load((REPOSITORY / "examples" / "yaml" / "Pulumi.yaml").read_text())
    assert program["packages"] == {"privilegesecure": "../../components"}
    python_types = {"string": str, "integer": int, "boolean": bool}
    for name, declared in program["resources"].items():
        assert declared["type"] == TYPE_TOKEN
        for key, value in declared["properties"].items():
            spec = resource["inputProperties"][key]
            assert isinstance(value, python_types[spec.get("type", "string")]), key
            assert SETTINGS_BY_KEY[key].check(value), key
        for output in program["outputs"].values():
            match = re.fullmatch(r"\$\{(\w+)\.(\w+)\}", output)
            assert match is not None
            assert match[1] == name
            assert match[2] in resource["properties"]
