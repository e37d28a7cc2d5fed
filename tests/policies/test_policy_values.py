"""The unknown-aware readers and the knob readers the policies are built on."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import unknown_checking_proxy

from entra_guard.helpers import knobs
from entra_guard.helpers.values import (
    UNKNOWN,
    Findings,
    UnknownDuringPreviewError,
    blocks,
    elements,
    read,
)
from offline_preview.policy_client import WIRE_UNKNOWN


def test_read_sees_absent_null_unknown_and_known_values_through_the_proxy() -> None:
    props = unknown_checking_proxy(
        {"a": "x", "b": None, "c": WIRE_UNKNOWN, "d": {"e": WIRE_UNKNOWN}}
    )

    assert read(props, "a") == "x"
    assert read(props, "b") is None
    assert read(props, "missing") is None
    assert read(props, "c") is UNKNOWN
    assert read(read(props, "d"), "e") is UNKNOWN


def test_elements_keep_unknown_items_and_whole_unknown_lists() -> None:
    props = unknown_checking_proxy({"list": ["a", WIRE_UNKNOWN], "whole": WIRE_UNKNOWN})

    assert elements(read(props, "list")) == ["a", UNKNOWN]
    assert elements(read(props, "whole")) is UNKNOWN
    assert elements(None) == []


def test_blocks_accept_an_object_or_a_list() -> None:
    assert blocks({"x": 1}) == [{"x": 1}]
    assert blocks([{"x": 1}]) == [{"x": 1}]


def test_findings_report_violations_then_raise_for_unknowns() -> None:
    findings = Findings()
    findings.violation("bad", "urn:x")
    findings.unknown("roleId")
    reported: list[tuple[str, str | None]] = []

    with pytest.raises(UnknownDuringPreviewError, match="unknown during preview: roleId"):
        findings.report(lambda message, urn: reported.append((message, urn)))
    assert reported == [("bad", "urn:x")]


@pytest.mark.parametrize(("config", "expected"), [({}, 365), ({"n": 30.0}, 30), ({"n": 7}, 7)])
def test_integer_knobs_default_and_accept_json_numbers(
    config: dict[str, object], expected: int
) -> None:
    assert knobs.integer(config, "n", 365, 1) == expected


@pytest.mark.parametrize("value", ["30", 1.5, True, 0])
def test_bad_integer_knobs_fail(value: object) -> None:
    with pytest.raises(ValueError, match="'n'"):
        knobs.integer({"n": value}, "n", 365, 1)


def test_boolean_and_list_knobs_check_their_type() -> None:
    assert knobs.boolean({}, "b", False) is False
    assert knobs.string_list({"l": ["a"]}, "l", ()) == ("a",)
    with pytest.raises(ValueError, match="'b'"):
        knobs.boolean({"b": "yes"}, "b", False)
    with pytest.raises(ValueError, match="'l'"):
        knobs.string_list({"l": ["a", 1]}, "l", ())


def test_the_harness_stack_is_the_real_program_run() -> None:
    """``program_stack()`` is the program's own run (no hand-built model that could drift)."""
    from mock_engine.engine import REPOSITORY, read_stack_config_file, run_program
    from tests.policies.policy_harness import program_stack

    config = read_stack_config_file(REPOSITORY / "Pulumi.dev.yaml")
    real = run_program(config.values, preview=True, secret_keys=config.secret_keys).resources
    assert sorted((r.type, r.name) for r in program_stack()) == sorted(
        (r.type, r.name) for r in real
    )
    shapes = {r.name: set(r.inputs) for r in real}
    for resource in program_stack():
        assert set(resource.inputs) == shapes[resource.name], resource.name
