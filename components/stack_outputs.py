"""Read this stack's outputs from another stack, typed, with the secret kept secret.

Another Pulumi program (say, one that configures Privilege Secure or stores the secret in a
vault) takes a ``pulumi.StackReference`` to a privilege-secure-entra stack and calls
``read_app_registration_outputs``. A missing or renamed output fails with a message naming it,
instead of an ``AttributeError`` or a silent ``None`` deep inside the consumer.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Final

import pulumi


@dataclass(frozen=True)
class AppRegistrationOutputs:
    """A privilege-secure-entra stack's outputs, as seen from another stack."""

    tenant_id: pulumi.Output[str]
    client_id: pulumi.Output[str]
    application_object_id: pulumi.Output[str]
    service_principal_object_id: pulumi.Output[str]
    client_secret: pulumi.Output[str]
    """Always a Pulumi secret, whatever the producing stack did."""
    client_secret_expires_at: pulumi.Output[str]
    client_secret_rotates_at: pulumi.Output[str]
    application_permissions: pulumi.Output[list[str]]
    delegated_permissions: pulumi.Output[list[str]]
    directory_roles: pulumi.Output[list[str]]
    privilege_secure_version: pulumi.Output[str]
    password_writeback_required: pulumi.Output[bool]


def _camel(attribute: str) -> str:
    """``client_secret`` → ``clientSecret``: Pulumi's casing for stack outputs."""
    first, *rest = attribute.split("_")
    return first + "".join(part.capitalize() for part in rest)


STACK_OUTPUT_NAMES: Final[dict[str, str]] = {
    field.name: _camel(field.name) for field in fields(AppRegistrationOutputs)
}
"""The output contract with other stacks, derived from ``AppRegistrationOutputs``: Python
attribute of ``AppRegistration`` to stack output name. ``__main__.py`` exports in a loop over it;
the consumer helper, the tests and the README check read it."""


def read_app_registration_outputs(reference: pulumi.StackReference) -> AppRegistrationOutputs:
    """Every output of the referenced stack; each fails, naming itself, if the stack lacks it."""
    values: dict[str, pulumi.Output[Any]] = {
        attribute: reference.get_output(name).apply(_present(reference, name))
        for attribute, name in STACK_OUTPUT_NAMES.items()
    }
    values["client_secret"] = pulumi.Output.secret(values["client_secret"])
    return AppRegistrationOutputs(**values)


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
