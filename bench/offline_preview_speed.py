"""How close the offline preview comes to the fastest possible start of a provider-SDK program.

Times, as whole processes interleaved in one run, the floor (``python -c "import pulumi,
pulumi_azuread"``: no Python program that uses the provider SDK starts faster) and the offline
preview of the dev stack with the policy pack, then prints both medians and the median ratio of
each round. Target: ratio <= 2.0 on the 2-core machine.

Run: ``venv/bin/python bench/offline_preview_speed.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.side_by_side import Side, compare, rounds_from_command_line

REPOSITORY = Path(__file__).resolve().parent.parent
FLOOR = Side(
    "floor",
    "floor   (import pulumi, pulumi_azuread)",
    [sys.executable, "-c", "import pulumi, pulumi_azuread"],
)
PREVIEW = Side(
    "preview",
    "preview (dev stack + policy pack)",
    [sys.executable, "-m", "offline_preview", "--stack", "dev"],
)


def main() -> None:
    rounds = rounds_from_command_line(__doc__.splitlines()[0], default=15)
    compare(FLOOR, PREVIEW, rounds, REPOSITORY, target=2.0)


if __name__ == "__main__":
    main()
