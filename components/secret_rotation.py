"""When client secrets are issued and when they expire: pure date arithmetic, no resources.

Two secret slots, ``a`` and ``b``, take turns. Time is cut into rotation windows of half a
lifetime each, counted from the Unix epoch so every run agrees on them without any state. In
window *k* the slot ``"ab"[k % 2]`` holds the newest secret, issued for that window and valid for
one lifetime (until the end of window *k + 1*); the other slot holds the previous secret, issued
one window earlier and valid until the end of window *k*. A consumer therefore always has at least
half a lifetime to move from the previous secret to the newest one.

Everything here is derived from the clock, the lifetime and nothing else, so two runs in the same
window compute identical ``end_date`` values and the provider replaces nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

SOURCE_DATE_EPOCH: Final = "SOURCE_DATE_EPOCH"
"""The reproducible-builds variable: seconds since 1970 that stand in for the wall clock."""

SLOT_LABELS: Final = ("a", "b")


class ClockError(ValueError):
    """``SOURCE_DATE_EPOCH`` is set to something that is not a count of seconds."""


@dataclass(frozen=True)
class SecretSlot:
    """One of the two client secrets that exist at any time."""

    label: str
    """``a`` or ``b``: part of the resource name, so a slot keeps its identity across windows."""
    issued_for: datetime
    """Start of the rotation window this secret was issued for."""
    end_date: datetime
    """When Entra stops accepting the secret: one lifetime after ``issued_for``."""
    is_newest: bool


@dataclass(frozen=True)
class RotationPlan:
    """The secrets that should exist now, and when the next one is due."""

    newest: SecretSlot
    previous: SecretSlot
    rotates_at: datetime
    """Start of the next window: the first ``pulumi up`` after it issues a new secret."""

    @property
    def slots(self) -> tuple[SecretSlot, SecretSlot]:
        """Both slots in label order (``a`` first), for declaring resources in a stable order."""
        if self.newest.label == SLOT_LABELS[0]:
            return (self.newest, self.previous)
        return (self.previous, self.newest)


def rotation_clock() -> datetime:
    """Now in UTC: ``SOURCE_DATE_EPOCH`` when set (tests, reproducible previews), else the clock."""
    raw = os.environ.get(SOURCE_DATE_EPOCH)
    if raw is None or raw == "":
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError):
        raise ClockError(
            f"{SOURCE_DATE_EPOCH} must be whole seconds since 1970-01-01 UTC; got {raw!r}"
        ) from None


def plan_rotation(now: datetime, lifetime_days: int) -> RotationPlan:
    """The two secrets for the rotation window that contains ``now``."""
    if lifetime_days < 1:
        raise ValueError(f"lifetime_days must be at least 1; got {lifetime_days}")
    lifetime = timedelta(days=lifetime_days)
    window_seconds = lifetime_days * 86_400 // 2  # 86,400 is even, so this is exact
    window = int(now.timestamp()) // window_seconds

    def slot(window_index: int, is_newest: bool) -> SecretSlot:
        issued_for = datetime.fromtimestamp(window_index * window_seconds, UTC)
        return SecretSlot(
            label=SLOT_LABELS[window_index % 2],
            issued_for=issued_for,
            end_date=issued_for + lifetime,
            is_newest=is_newest,
        )

    return RotationPlan(
        newest=slot(window, is_newest=True),
        previous=slot(window - 1, is_newest=False),
        rotates_at=datetime.fromtimestamp((window + 1) * window_seconds, UTC),
    )


def rfc3339(moment: datetime) -> str:
    """The form Entra and the azuread provider take for absolute dates: ``2026-05-26T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
