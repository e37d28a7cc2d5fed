"""How close the offline preview comes to the fastest possible start of a provider-SDK program.

Times, as whole processes interleaved in one run, the floor (``python -c "import pulumi,
pulumi_azuread"``: no Python program that uses the provider SDK starts faster) and the offline
preview of the dev stack with the policy pack, then prints both medians and the median ratio of
each round. Target: ratio <= 2.0 on the 2-core machine.

Run: ``venv/bin/python bench/offline_preview_speed.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
FLOOR = [sys.executable, "-c", "import pulumi, pulumi_azuread"]
PREVIEW = [sys.executable, "-m", "offline_preview", "--stack", "dev"]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPOSITORY, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1790000000")
    timed(FLOOR), timed(PREVIEW)  # warm the bytecode caches; not counted
    floors: list[float] = []
    previews: list[float] = []
    for _ in range(rounds):
        floors.append(timed(FLOOR))
        previews.append(timed(PREVIEW))
    ratios = [p / f for p, f in zip(previews, floors, strict=True)]
    print(f"rounds: {rounds} on {os.cpu_count()} cores")
    print(f"floor   (import pulumi, pulumi_azuread): median {statistics.median(floors):.3f} s")
    print(f"preview (dev stack + policy pack):       median {statistics.median(previews):.3f} s")
    print(f"ratio preview/floor: median {statistics.median(ratios):.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
