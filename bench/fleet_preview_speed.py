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

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.side_by_side import Side, compare, rounds_from_command_line

REPOSITORY = Path(__file__).resolve().parent.parent
TENANTS = 20
ONE_STACK = Side(
    "one stack",
    "one stack (dev + policy pack)",
    [sys.executable, "-m", "offline_preview", "--stack", "dev"],
)
FLEET = Side(
    "fleet",
    f"fleet ({TENANTS} tenants + dev, --all-stacks)",
    [sys.executable, "-m", "offline_preview", "--all-stacks"],
)


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


def main() -> None:
    rounds = rounds_from_command_line(__doc__.splitlines()[0], default=10)
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        copy_repository(directory)
        # Exit code 1 is expected: the Global Administrator tenants fail the pack without approval.
        compare(ONE_STACK, FLEET, rounds, directory, target=3.0, exit_codes=(0, 1))


if __name__ == "__main__":
    main()
