"""Another stack reads this one's outputs through the typed helper (examples/consumer)."""

from __future__ import annotations

from components.stack_outputs import STACK_OUTPUT_NAMES
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


def test_the_consumer_view_matches_the_component_outputs() -> None:
    """One contract: the component's outputs, the stack outputs, and what consumers read."""
    import dataclasses

    from components.app_registration import AppRegistration
    from components.stack_outputs import AppRegistrationOutputs

    component = AppRegistration.__annotations__
    consumer = {f.name: f.type for f in dataclasses.fields(AppRegistrationOutputs)}
    assert list(consumer) == list(STACK_OUTPUT_NAMES)
    assert list(component) == list(STACK_OUTPUT_NAMES)
    for attribute in STACK_OUTPUT_NAMES:
        assert component[attribute] == consumer[attribute], attribute
