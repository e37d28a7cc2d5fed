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

from entra_vocabulary.clock import SOURCE_DATE_EPOCH, rfc3339, rotation_clock

SLOT_LABELS: Final = ("a", "b")


PINNED_CLOCK_IGNORED_WARNING: Final = (
    f"{SOURCE_DATE_EPOCH} is set in this environment, but this is a real deployment: it is "
    "ignored and the wall clock is used, so the client secrets still rotate on time; unset it "
    "where `pulumi up` runs"
)


class RevocationError(ValueError):
    """``revokePreviousSecret`` names no secret that may be revoked now; ``str()`` is one line."""


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


def deploy_clock(pinned_clock_allowed: bool) -> tuple[datetime, str | None]:
    """Now in UTC, and a warning when a pinned clock was ignored.

    ``pinned_clock_allowed`` is true only under mocks (tests, the offline preview). In a real
    deployment a ``SOURCE_DATE_EPOCH`` left in the environment (some build images set it for
    every process) would freeze the rotation windows silently, so it is ignored, loudly.
    """
    if pinned_clock_allowed or not os.environ.get(SOURCE_DATE_EPOCH):
        return rotation_clock(), None
    return datetime.now(UTC), PINNED_CLOCK_IGNORED_WARNING


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


def slots_to_declare(plan: RotationPlan, revoke_previous_secret: str | None) -> list[SecretSlot]:
    """The slots that hold a secret now, in label order: both, unless the previous is revoked.

    ``revoke_previous_secret`` names the leaked previous secret by its end date, which is also
    the current window's end (``clientSecretRotatesAt``): while that window lasts the previous
    slot is left empty, so Pulumi deletes its secret. Once the window has passed, the value is
    earlier than any secret this stack holds and does nothing, so it is safe to leave in config.
    Anything else is refused: above all the newest secret's end date, which ``secretVersion``
    replaces instead.
    """
    if revoke_previous_secret is None:
        return list(plan.slots)
    previous_end = rfc3339(plan.previous.end_date)
    if revoke_previous_secret == previous_end:
        return [plan.newest]
    if revoke_previous_secret < previous_end:  # RFC 3339 UTC strings sort as moments
        return list(plan.slots)
    if revoke_previous_secret == rfc3339(plan.newest.end_date):
        raise RevocationError(
            f"revokePreviousSecret: got {revoke_previous_secret!r}, the end date of the newest "
            "client secret, which it never revokes; raise secretVersion to replace the newest"
        )
    raise RevocationError(
        f"revokePreviousSecret: got {revoke_previous_secret!r}, the end date of no client secret "
        f"of this stack; allowed: {previous_end} (the previous secret's end date, to revoke it "
        "now) or any earlier end date (a secret already rotated out: nothing to do)"
    )
