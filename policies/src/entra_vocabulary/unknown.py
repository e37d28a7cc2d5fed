"""The one unknown-value sentinel: a value computed by a provider and not known during a preview.

The pack's readers return it for what the analyzer cannot see yet; the mock engine records it in
its resource record; the offline preview shows it as "(known after apply)" and the pack's client
puts it on the wire as the engine does (``offline_preview.policy_client.WIRE_UNKNOWN``).
"""

from __future__ import annotations

from enum import Enum
from typing import Final


class Unknown(Enum):
    """A value that is computed and not known during a preview (an enum: one instance, which
    ``copy`` and ``deepcopy`` keep)."""

    UNKNOWN = "unknown"

    def __repr__(self) -> str:
        """Readable in test failures."""
        return "UNKNOWN"


UNKNOWN: Final = Unknown.UNKNOWN
