"""Timing two commands as whole processes side by side: what both benchmarks measure.

Each round runs the baseline, then the measured command, after one unmeasured run of each (to
warm the bytecode caches). Interleaving is why: on a machine shared with other work, a slow
moment weighs on both sides of a round alike, so the median of each round's ratio is steadier
than the ratio of two medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Side:
    """One of the two commands, and how the report names it."""

    name: str
    """Short, for the ratio line (``floor``, ``fleet``)."""
    label: str
    """What it runs, for its median's line."""
    command: list[str]


def rounds_from_command_line(description: str, default: int) -> int:
    """The ``--rounds`` option, the benchmarks' only one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=default)
    rounds: int = parser.parse_args().rounds
    return rounds


def timed(command: list[str], directory: Path, exit_codes: tuple[int, ...]) -> float:
    """Seconds one whole process takes; any exit code not expected stops the benchmark."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=directory, stdout=subprocess.DEVNULL)
    if result.returncode not in exit_codes:
        raise SystemExit(f"{' '.join(command[1:])} exited {result.returncode}")
    return time.perf_counter() - start


def compare(
    baseline: Side,
    measured: Side,
    rounds: int,
    directory: Path,
    target: float,
    exit_codes: tuple[int, ...] = (0,),
) -> None:
    """Time both sides, interleaved, and print both medians and the median ratio per round."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1790000000")
    timed(baseline.command, directory, exit_codes), timed(measured.command, directory, exit_codes)
    baselines: list[float] = []
    measures: list[float] = []
    for _ in range(rounds):
        baselines.append(timed(baseline.command, directory, exit_codes))
        measures.append(timed(measured.command, directory, exit_codes))
    ratios = [m / b for m, b in zip(measures, baselines, strict=True)]
    width = max(len(baseline.label), len(measured.label)) + 1
    print(f"rounds: {rounds} on {os.cpu_count()} cores")
    print(f"{baseline.label + ':':<{width}} median {statistics.median(baselines):.3f} s")
    print(f"{measured.label + ':':<{width}} median {statistics.median(measures):.3f} s")
    print(
        f"ratio {measured.name}/{baseline.name}: median {statistics.median(ratios):.2f} "
        f"(target <= {target})"
    )
