"""The pack's clock: what the secret date policies measure from."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Final

from entra_vocabulary.clock import rotation_clock

OFFLINE_CLOCK: Final = "PRIVILEGE_SECURE_OFFLINE_CLOCK"
"""Set (to ``1``) by the offline preview's pack client only: then the pack reads the program's
pinned clock, ``SOURCE_DATE_EPOCH``, as the program does under mocks."""


def utc_now() -> datetime:
    """The pack's clock: UTC now; under the offline preview, ``SOURCE_DATE_EPOCH`` when earlier.

    A reproducible offline preview computes its secrets' end dates from ``SOURCE_DATE_EPOCH``;
    judging them against the wall clock would call a secret expired that, at that moment, is
    not. Anywhere else the variable is ignored, as the program ignores it in a deployment: an
    earlier one (Nix sets 1980, some images the last commit) would refuse every fresh secret as
    too long-lived (red team R2-06), a later one would admit secrets that live for years (RT-43),
    so even the offline preview never believes a later one.
    """
    if os.environ.get(OFFLINE_CLOCK) != "1":
        return datetime.now(UTC)
    return min(datetime.now(UTC), rotation_clock())
