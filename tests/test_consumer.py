"""Another stack reads this one's outputs through the typed helper (examples/consumer)."""

from __future__ import annotations

import inspect

import pulumi
import pytest

from components.app_registration import AppRegistration
from components.stack_outputs import (
    STACK_OUTPUT_NAMES,
    AppRegistrationOutputs,
    _ReferencedOutputs,
)
from mock_engine.engine import REPOSITORY, ProgramRun, StackOutput, run_program
from tests.conftest import RunProgram

CONSUMER = REPOSITORY / "examples" / "consumer" / "__main__.py"
PRODUCER = "organization/privilege-secure-entra/dev"


def consume(outputs: dict[str, StackOutput]) -> ProgramRun:
    return run_program(
        {"privilege-secure-consumer:privilegeSecureStack": PRODUCER},
        program=CONSUMER,
        project="privilege-secure-consumer",
        stack_references={PRODUCER: outputs},
    )


def test_main_exports_exactly_the_stack_output_contract(program: RunProgram) -> None:
    assert sorted(program().outputs) == sorted(STACK_OUTPUT_NAMES.values())


def test_the_consumer_reads_the_producers_outputs_and_the_secret_stays_secret(
    program: RunProgram,
) -> None:
    producer = program()
    run = consume(producer.outputs)
    assert run.error is None
    outputs = run.outputs
    assert outputs["clientId"] == StackOutput(producer.outputs["clientId"].value, secret=False)
    assert outputs["tenantId"].value == producer.outputs["tenantId"].value
    assert outputs["directoryRoles"].value == ["User Administrator"]
    assert outputs["clientSecret"].secret
    assert outputs["clientSecret"].value == producer.outputs["clientSecret"].value


def test_the_secret_stays_secret_even_if_the_producer_forgot(program: RunProgram) -> None:
    outputs = dict(program().outputs)
    outputs["clientSecret"] = StackOutput(outputs["clientSecret"].value, secret=False)
    run = consume(outputs)
    assert run.outputs["clientSecret"].secret


def test_a_missing_output_is_a_clear_error_naming_it(program: RunProgram) -> None:
    outputs = dict(program().outputs)
    del outputs["clientSecret"]
    run = consume(outputs)
    assert run.error is not None
    assert run.error.startswith(
        f"stack {PRODUCER} has no output 'clientSecret': is it a privilege-secure-entra stack"
    )


def test_the_component_declares_its_outputs_only_through_the_contract() -> None:
    """One contract: the component inherits its outputs and declares none of its own, so the
    stack outputs, the schema's outputs and what consumers read cannot drift apart."""
    assert issubclass(AppRegistration, AppRegistrationOutputs)
    assert inspect.get_annotations(AppRegistration) == {}


def test_what_a_consumer_reads_is_read_only() -> None:
    read = _ReferencedOutputs({"client_id": pulumi.Output.from_input("id")})
    with pytest.raises(
        AttributeError, match="client_secret: another stack's outputs are read-only"
    ):
        read.client_secret = pulumi.Output.from_input("not from the producer")
