"""Read this stack's outputs from another stack, typed, with the secret kept secret.

Another Pulumi program (say, one that configures Privilege Secure or stores the secret in a
vault) takes a ``pulumi.StackReference`` to a privilege-secure-entra stack and calls
``read_app_registration_outputs``. A missing or renamed output fails with a message naming it,
instead of an ``AttributeError`` or a silent ``None`` deep inside the consumer.
"""

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn

import pulumi


class AppRegistrationOutputs:
    """The outputs of a privilege-secure-entra app registration: the contract with other stacks.

    Declared once, here. ``AppRegistration`` (the component) inherits these attributes and sets
    each one, so Pulumi's schema inference reads them as the component's outputs;
    ``__main__.py`` exports each under its camelCase name (``STACK_OUTPUT_NAMES``); and another
    stack reads the same attributes back with ``read_app_registration_outputs``.
    """

    tenant_id: pulumi.Output[str]
    """Directory (tenant) ID: for the Entra ID tenant resource in Privilege Secure."""
    client_id: pulumi.Output[str]
    """Application (client) ID: for the Privilege Secure service account."""
    application_object_id: pulumi.Output[str]
    """The application's object id (``/applications/{id}`` in Microsoft Graph)."""
    service_principal_object_id: pulumi.Output[str]
    """The service principal's object id: the principal that holds the consents and roles."""
    client_secret: pulumi.Output[str]
    """The newest client secret, for the Privilege Secure service account: always a Pulumi secret
    (read from another stack too, whatever the producing stack did)."""
    client_secret_expires_at: pulumi.Output[str]
    """When the newest client secret expires (RFC 3339, UTC)."""
    client_secret_rotates_at: pulumi.Output[str]
    """When the next ``pulumi up`` issues a new secret (RFC 3339, UTC)."""
    application_permissions: pulumi.Output[list[str]]
    """Names of the Microsoft Graph application permissions consented."""
    delegated_permissions: pulumi.Output[list[str]]
    """Names of the Microsoft Graph delegated permissions consented, tenant-wide."""
    directory_roles: pulumi.Output[list[str]]
    """Names of the directory roles assigned to the service principal."""
    privilege_secure_version: pulumi.Output[str]
    """The Privilege Secure version configured (its manifest is the one deployed)."""
    password_writeback_required: pulumi.Output[bool]
    """True for a hybrid tenant: Password Writeback must be enabled for password rotation."""


def _camel(attribute: str) -> str:
    """``client_secret`` → ``clientSecret``: Pulumi's casing for stack outputs."""
    first, *rest = attribute.split("_")
    return first + "".join(part.capitalize() for part in rest)


STACK_OUTPUT_NAMES: Final[dict[str, str]] = {
    attribute: _camel(attribute) for attribute in inspect.get_annotations(AppRegistrationOutputs)
}
"""Python attribute to stack output name, in the contract's order, derived from
``AppRegistrationOutputs``: ``__main__.py`` exports in a loop over it; the consumer helper, the
tests and the README check read it."""


class _ReferencedOutputs(AppRegistrationOutputs):
    """The contract read from another stack: set once, like the stack outputs it reads."""

    def __init__(self, values: Mapping[str, pulumi.Output[Any]]) -> None:
        for attribute, value in values.items():
            object.__setattr__(self, attribute, value)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{name}: another stack's outputs are read-only")


def read_app_registration_outputs(reference: pulumi.StackReference) -> AppRegistrationOutputs:
    """Every output of the referenced stack; each fails, naming itself, if the stack lacks it."""
    values: dict[str, pulumi.Output[Any]] = {
        attribute: reference.get_output(name).apply(_present(reference, name))
        for attribute, name in STACK_OUTPUT_NAMES.items()
    }
    values["client_secret"] = pulumi.Output.secret(values["client_secret"])
    return _ReferencedOutputs(values)


def _present(reference: pulumi.StackReference, name: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value is None:
            raise pulumi.RunError(
                f"stack {reference.pulumi_resource_name} has no output {name!r}: is it a "
                "privilege-secure-entra stack, deployed with `pulumi up`? Expected outputs: "
                f"{', '.join(STACK_OUTPUT_NAMES.values())}"
            )
        return value

    return check
