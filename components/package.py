"""The ``privilegesecure`` component package: the provider the Pulumi CLI runs, and its schema.

``ComponentProvider`` infers the schema from ``AppRegistrationArgs`` and the component's outputs,
but inference cannot say that an output is secret, give a default or a limit, restrict a string
to an enum, or carry the package's metadata. So the provider serves that inferred schema refined
from the same tables the program reads (``components.settings``, ``entra_vocabulary.manifests``):
what a consumer's SDK and ``pulumi package add`` see is what the component enforces.

Over the provider protocol every number is a float (a YAML ``90`` arrives as ``90.0``), so the
provider turns whole floats into integers for integer inputs and refuses anything else a setting
does not allow, in one line naming the input, before the component declares anything.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Final, NoReturn

from pulumi import Inputs
from pulumi.errors import InputPropertiesError
from pulumi.provider.experimental.analyzer import Analyzer, ComponentDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider

from components.app_registration import TYPE_TOKEN, AppRegistration
from components.settings import SETTINGS_BY_KEY, _is_unknown
from components.stack_outputs import STACK_OUTPUT_NAMES, AppRegistrationOutputs
from entra_vocabulary.manifests import MANIFESTS

PACKAGE_NAME: Final = "privilegesecure"
PACKAGE_VERSION: Final = "0.1.0"
REPOSITORY_URL: Final = "https://github.com/<org>/privilege-secure-entra"
"""Placeholder, like the README's ``pulumi package add`` URL: set it to where you host this."""

PACKAGE_METADATA: Final[dict[str, Any]] = {
    "displayName": "Netwrix Privilege Secure for Microsoft Entra ID",
    "description": (
        "Netwrix Privilege Secure's Microsoft Entra ID app registration as one component: the "
        "application, its service principal, admin consent to Microsoft Graph, rotating client "
        "secrets and the directory role assignments of Netwrix's procedure. Tier 0: read the "
        "repository's Security notes before deploying."
    ),
    "keywords": ["netwrix", "privilege-secure", "entra-id", "azuread", "category/utility"],
    "homepage": f"{REPOSITORY_URL}#readme",
    "repository": REPOSITORY_URL,
    "license": "LicenseRef-Proprietary",
    "publisher": "privilege-secure-entra maintainers",
}
"""Top-level fields a consumer (a registry, ``pulumi package info``) reads."""

VERSION_TYPE_TOKEN: Final = f"{PACKAGE_NAME}:index:PrivilegeSecureVersion"
SECRET_OUTPUTS: Final = frozenset({"clientSecret"})
"""Outputs the component wraps in ``pulumi.Output.secret``."""


def _output_descriptions() -> dict[str, str]:
    """Each output's docstring in the contract, ``AppRegistrationOutputs``, read as the SDK reads
    a component's: inference looks only at the component's own source, and the component
    inherits its outputs from the contract."""
    analyzer = Analyzer(PACKAGE_NAME)
    descriptions = {
        name: analyzer.get_docstring(AppRegistrationOutputs, attribute)
        for attribute, name in STACK_OUTPUT_NAMES.items()
    }
    return {name: " ".join(text.split()) for name, text in descriptions.items() if text}


OUTPUT_DESCRIPTIONS: Final = _output_descriptions()
"""Stack output name to its description in the package schema."""


def _enum_name(version: str) -> str:
    """``"26.03"`` → ``V26_03``: an identifier every SDK language accepts."""
    return "V" + version.replace(".", "_")


def _default_text(required: bool, default: object) -> str:
    if required:
        return "Required."
    if default is None:
        return ""  # the docstring says what the component decides (owners, notes)
    return f"Default: {json.dumps(default)}."


def package_schema(inferred: dict[str, Any]) -> dict[str, Any]:
    """The inferred schema with secrets, defaults, limits, the version enum and metadata."""
    schema = copy.deepcopy(inferred)
    schema.update(PACKAGE_METADATA)
    resource = schema["resources"][TYPE_TOKEN]
    required = set(resource.get("requiredInputs", []))
    for key, spec in resource["inputProperties"].items():
        setting = SETTINGS_BY_KEY[key]
        text = f"{spec['description']} Allowed: {setting.allowed}."
        default_text = _default_text(key in required, setting.default)
        spec["description"] = f"{text} {default_text}".strip()
        if spec.get("items"):
            spec["items"].pop("description", None)
        if key not in required and setting.default is not None:
            spec["default"] = setting.default
    version = resource["inputProperties"]["privilegeSecureVersion"]
    del version["type"]
    version["$ref"] = f"#/types/{VERSION_TYPE_TOKEN}"
    schema.setdefault("types", {})[VERSION_TYPE_TOKEN] = {
        "type": "string",
        "description": "A Privilege Secure version whose Entra ID procedure Netwrix documents.",
        "enum": [
            {"name": _enum_name(version), "value": version, "description": manifest.source}
            for version, manifest in MANIFESTS.items()
        ],
    }
    for name, spec in resource["properties"].items():
        spec["description"] = OUTPUT_DESCRIPTIONS[name]
        if spec.get("items"):
            spec["items"].pop("description", None)
        if name in SECRET_OUTPUTS:
            spec["secret"] = True
    return schema


class AppRegistrationProvider(ComponentProvider):
    """Serves ``privilegesecure:index:AppRegistration`` and its refined schema."""

    def __init__(self) -> None:
        super().__init__([AppRegistration], PACKAGE_NAME, PACKAGE_NAME, PACKAGE_VERSION)
        assert self.schema is not None
        self.schema = json.dumps(package_schema(json.loads(self.schema)))

    def map_inputs(self, inputs: Inputs, component_def: ComponentDefinition) -> Inputs:
        return super().map_inputs(_checked(inputs, component_def), component_def)


def _checked(inputs: Inputs, component_def: ComponentDefinition) -> Inputs:
    """Whole floats as integers; any known value its setting refuses, refused by name."""
    checked = dict(inputs)
    for key, value in inputs.items():
        setting = SETTINGS_BY_KEY.get(key)
        definition = component_def.inputs.get(key)
        if setting is None or definition is None:
            _refuse(key, f"unknown input; allowed: {', '.join(component_def.inputs)}")
        if _is_unknown(value):
            continue  # an output or a secret: data, never structure; the component checks it
        if (
            definition.type is PropertyType.INTEGER
            and isinstance(value, float)
            and value.is_integer()
        ):
            value = checked[key] = int(value)
        if not setting.check(value):
            _refuse(key, f"got {value!r}; allowed: {setting.allowed}")
    return checked


def _refuse(key: str, reason: str) -> NoReturn:
    """The engine shows the one line; the property error lets it point at the input."""
    raise InputPropertiesError(f"{key}: {reason}", [{"property_path": key, "reason": reason}])
