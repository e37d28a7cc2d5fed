"""Policies as data: the declarations are the one source of each policy's metadata, and the
pack README's table says what they say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from entra_guard.declaration import Declaration, Kind, build
from entra_guard.guardrails import DECLARATIONS, build_policies
from entra_guard.helpers.pack_clock import utc_now

PACK = Path(__file__).resolve().parents[2] / "policies"
README = PACK / "README.md"
ROW = re.compile(
    r"^\| `(?P<name>[a-z-]+)` \| (?P<level>\w+) \| (?P<severity>\w+) \| "
    r"(?P<kind>resource|stack) \|$"
)


def readme_rows() -> list[tuple[str, str, str, str]]:
    rows = [ROW.match(line) for line in README.read_text().splitlines()]
    return [(m["name"], m["level"], m["severity"], m["kind"]) for m in rows if m is not None]


def test_the_readme_table_is_the_declarations() -> None:
    declared = [(d.name, d.level.value, d.severity.value, d.kind.value) for d in DECLARATIONS]
    assert readme_rows() == declared


def test_every_policy_is_built_from_its_declaration() -> None:
    policies = build_policies()
    assert [p.name for p in policies] == [d.name for d in DECLARATIONS]
    assert len({d.name for d in DECLARATIONS}) == len(DECLARATIONS) == 21
    for policy, declaration in zip(policies, DECLARATIONS, strict=True):
        assert policy.description == declaration.description
        assert policy.enforcement_level == declaration.level
        assert policy.config_schema is not None
        assert set(policy.config_schema.properties) == set(declaration.knobs)


def test_a_declaration_needs_exactly_one_validate_function() -> None:
    both = Declaration(
        name="x",
        description="x",
        level=DECLARATIONS[0].level,
        severity=DECLARATIONS[0].severity,
        kind=Kind.RESOURCE,
        remediation="x",
        tags=(),
    )
    with pytest.raises(ValueError, match=r"^x: set exactly one of validate and validate_at$"):
        build(both, utc_now)


def test_the_example_config_is_the_declared_defaults() -> None:
    """Every pipeline falls back to config.example.json for a stack without its own config: it
    must be exactly what the pack does with no config (each declared level, each knob's declared
    default), or a tightened manifest would leave the gate silently looser."""
    example = json.loads((PACK / "config.example.json").read_text())
    declared = {
        d.name: {
            "enforcementLevel": d.level.value,
            **{knob: schema["default"] for knob, schema in d.knobs.items() if "default" in schema},
        }
        for d in DECLARATIONS
    }
    assert example == declared
