"""The one clock of every test suite: 2026-09-21T14:13:20Z.

The program reads it as ``SOURCE_DATE_EPOCH`` (``tests/conftest.py`` sets it for every test), the
in-process policies get it as their clock (``tests/policies/policy_harness.py``), and the pack
processes are started with it pinned (``pinned_environment``), so the program, the pack and the
tests agree on "now" whatever the date the suite runs on.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Final

from entra_vocabulary.clock import SOURCE_DATE_EPOCH

NOW_EPOCH: Final = 1_790_000_000
NOW: Final = datetime.fromtimestamp(NOW_EPOCH, UTC)


def pinned_environment(epoch: int = NOW_EPOCH) -> dict[str, str]:
    """This process's environment with the clock pinned, for a pack process: the pack believes
    ``SOURCE_DATE_EPOCH`` when it is earlier than the wall clock and the offline preview's client
    starts it (``offline_preview.policy_client``)."""
    return {**os.environ, SOURCE_DATE_EPOCH: str(epoch)}
