"""What the stewardship policies share: whose resources are ours to steward, and a stack's name."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Final

from pulumi_policy import (
    ResourceValidationArgs,
)

from entra_guard.helpers import knobs
from entra_guard.helpers.values import UNKNOWN, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.first_party import first_party_name

ADDITIONAL_FIRST_PARTY: Final = "additionalFirstPartyClientIds"

PRODUCTION_STACKS: Final = ("prod*",)
"""The stacks both stewardship knobs (``protectedStacks``, ``ownerAllowlistRequiredOn``) treat
as production unless configured: one naming convention, one default."""


def ours_to_steward(args: ResourceValidationArgs) -> bool:
    """An application or service principal the stack should own and protect: never Microsoft's
    (a first-party client id), which must not be managed at all, let alone given owners."""
    if args.resource_type == types.APPLICATION:
        return True
    if args.resource_type != types.SERVICE_PRINCIPAL:
        return False
    client_id = read(args.props, "clientId")
    if client_id is None or client_id is UNKNOWN:
        return True
    extra = knobs.string_list(args.get_config(), ADDITIONAL_FIRST_PARTY, ())
    return first_party_name(text(client_id), extra) is None


def stack_of(urn: str) -> str | None:
    """The stack name in ``urn:pulumi:<stack>::<project>::<type>::<name>``."""
    prefix = "urn:pulumi:"
    if not urn.startswith(prefix) or "::" not in urn:
        return None
    return urn[len(prefix) :].split("::", 1)[0]


def stack_matches(stack: str, patterns: Sequence[str]) -> bool:
    """Whether a stack name matches one of a knob's stack patterns (``protectedStacks``,
    ``ownerAllowlistRequiredOn``): fnmatch, case-sensitive, whatever the platform."""
    return any(fnmatchcase(stack, pattern) for pattern in patterns)
