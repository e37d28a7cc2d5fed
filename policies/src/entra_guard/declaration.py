"""A policy of the pack as data, and the one builder that turns it into a ``pulumi_policy`` policy.

Each policy module declares its policy once: name, description, enforcement level, severity,
kind (one resource at a time, or the whole stack), knobs (each with its JSON schema), remediation,
tags and validate function. ``build`` is the only place that constructs a ``Policy``, so the
metadata every policy carries is written once (and ``policies/README.md``'s table is checked
against the declarations by ``tests/policies/test_policy_declarations.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ResourceValidation,
    ResourceValidationPolicy,
    Severity,
    StackValidation,
    StackValidationPolicy,
)

Clock = Callable[[], datetime]
"""Now, in UTC: what the secret expiry policies measure from."""


class Kind(StrEnum):
    """What one call of the validate function sees."""

    RESOURCE = "resource"
    STACK = "stack"


@dataclass(frozen=True)
class Declaration:
    """One policy of the pack. Exactly one of ``validate`` and ``validate_at`` is set."""

    name: str
    description: str
    level: EnforcementLevel
    severity: Severity
    kind: Kind
    remediation: str
    tags: tuple[str, ...]
    validate: ResourceValidation | StackValidation | None = None
    validate_at: Callable[[Clock], ResourceValidation] | None = None
    """For a policy that reads the clock: its validate function, given the pack's clock."""
    knobs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Each configuration knob's JSON schema, by name (``--policy-pack-config``)."""


def build(declaration: Declaration, clock: Clock) -> Policy:
    """The ``pulumi_policy`` policy a declaration describes."""
    if (declaration.validate is None) == (declaration.validate_at is None):
        raise ValueError(f"{declaration.name}: set exactly one of validate and validate_at")
    validate = (
        declaration.validate_at(clock)
        if declaration.validate_at is not None
        else declaration.validate
    )
    common: dict[str, Any] = {
        "name": declaration.name,
        "description": declaration.description,
        "validate": validate,
        "enforcement_level": declaration.level,
        "severity": declaration.severity,
        "config_schema": PolicyConfigSchema(
            properties={name: dict(schema) for name, schema in declaration.knobs.items()}
        ),
        "remediation_steps": declaration.remediation,
        "tags": list(declaration.tags),
    }
    if declaration.kind is Kind.RESOURCE:
        return ResourceValidationPolicy(**common)
    return StackValidationPolicy(**common)
