"""Reading a policy's configuration knobs, with defaults, failing loudly on a wrong type.

The analyzer hands a policy an empty mapping when ``--policy-pack-config`` says nothing about
it, and numbers arrive as floats (they travel as a protobuf ``Struct``). A knob of the wrong type
raises ``ValueError``: the preview fails instead of silently checking against a default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def string_list(config: Mapping[str, Any], key: str, default: Sequence[str]) -> tuple[str, ...]:
    """A list-of-strings knob."""
    value = config.get(key)
    if value is None:
        return tuple(default)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"policy config {key!r} must be a list of strings, got {value!r}")
    items = tuple(value)
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"policy config {key!r} must be a list of strings, got {value!r}")
    return items


def integer(config: Mapping[str, Any], key: str, default: int, minimum: int = 0) -> int:
    """A whole-number knob (JSON numbers arrive as floats)."""
    value = config.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"policy config {key!r} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"policy config {key!r} must be at least {minimum}, got {value!r}")
    return int(value)


def boolean(config: Mapping[str, Any], key: str, default: bool) -> bool:
    """A true/false knob."""
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValueError(f"policy config {key!r} must be true or false, got {value!r}")
    return value


def string_list_schema(description: str, default: Sequence[str]) -> dict[str, Any]:
    """JSON schema of a list-of-strings knob."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "uniqueItems": True,
        "description": description,
        "default": list(default),
    }


def integer_schema(description: str, default: int, minimum: int) -> dict[str, Any]:
    """JSON schema of a whole-number knob."""
    return {"type": "integer", "minimum": minimum, "description": description, "default": default}


def boolean_schema(description: str, default: bool) -> dict[str, Any]:
    """JSON schema of a true/false knob."""
    return {"type": "boolean", "description": description, "default": default}
