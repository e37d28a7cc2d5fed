"""The one clock: the program, the pack, the offline preview and every test suite read it.

``SOURCE_DATE_EPOCH`` (the reproducible-builds variable) stands in for the wall clock when set,
so a preview or a test run is the same on every day. Standard library only: the pack imports it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Final

SOURCE_DATE_EPOCH: Final = "SOURCE_DATE_EPOCH"
"""The reproducible-builds variable: seconds since 1970 that stand in for the wall clock."""


class ClockError(ValueError):
    """``SOURCE_DATE_EPOCH`` is set to something that is not a count of seconds."""


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


def rfc3339(moment: datetime) -> str:
    """The form Entra and the azuread provider take for absolute dates: ``2026-05-26T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
