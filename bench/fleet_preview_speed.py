"""What an extra tenant costs the fleet preview: 20 tenant stacks plus dev against one stack.

Copies the repository's tracked files to a temporary directory, adds 20 tenant stack files
(``Pulumi.tenant-01.yaml`` ... with both Privilege Secure versions, some with Global Administrator
management, different secret lifetimes; every stack keeps the default owners, the deployer, as
README.md's measured ratio did), then times, as whole processes interleaved in one
run, ``python -m offline_preview --stack dev`` and ``python -m offline_preview --all-stacks``
(both with the policy pack), and prints both medians and the median ratio of each round.
Target: ratio <= 3.0, i.e. each extra stack costs about one run of the program, not a process.

Run: ``venv/bin/python bench/fleet_preview_speed.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
TENANTS = 20
ONE_STACK = [sys.executable, "-m", "offline_preview", "--stack", "dev"]
FLEET = [sys.executable, "-m", "offline_preview", "--all-stacks"]


def tenant_stack(number: int) -> str:
    """A plausible tenant: every third on 26.03, every fifth managing Global Administrators."""
    version = "26.03" if number % 3 == 0 else "4.1"
    lines = [
        "config:",
        f"  privilege-secure-entra:displayName: Netwrix Privilege Secure (tenant {number:02d})",
        f'  privilege-secure-entra:privilegeSecureVersion: "{version}"',
        f"  privilege-secure-entra:secretLifetimeDays: {90 + 10 * number}",
        "  privilege-secure-entra:protect: true",
    ]
    if number % 5 == 0:
        lines.append("  privilege-secure-entra:manageGlobalAdministrators: true")
    return "\n".join(lines) + "\n"


def copy_repository(target: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPOSITORY, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        source = REPOSITORY / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for number in range(1, TENANTS + 1):
        (target / f"Pulumi.tenant-{number:02d}.yaml").write_text(tenant_stack(number))


def timed(command: list[str], directory: Path) -> float:
    start = time.perf_counter()
    # Exit code 1 is expected: the Global Administrator tenants fail the pack without approval.
    result = subprocess.run(command, cwd=directory, stdout=subprocess.DEVNULL)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command[1:])} exited {result.returncode}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1790000000")
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        copy_repository(directory)
        timed(ONE_STACK, directory), timed(FLEET, directory)  # warm the bytecode caches
        singles: list[float] = []
        fleets: list[float] = []
        for _ in range(rounds):
            singles.append(timed(ONE_STACK, directory))
            fleets.append(timed(FLEET, directory))
    ratios = [f / s for f, s in zip(fleets, singles, strict=True)]
    print(f"rounds: {rounds} on {os.cpu_count()} cores")
    print(f"one stack (dev + policy pack):          median {statistics.median(singles):.3f} s")
    fleet = statistics.median(fleets)
    print(f"fleet ({TENANTS} tenants + dev, --all-stacks): median {fleet:.3f} s")
    print(f"ratio fleet/one stack: median {statistics.median(ratios):.2f} (target <= 3.0)")


if __name__ == "__main__":
    main()
