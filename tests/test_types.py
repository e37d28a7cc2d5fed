"""mypy --strict over every Python file of the repository, in one run, as part of the tests.

So the README's test command (which every pipeline's ``up`` waits for) proves every argument
name against the pulumi-azuread and SDK types. ``pulumi up`` does not type-check (Pulumi.yaml):
its virtualenv holds only ``requirements.txt``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mock_engine.engine import REPOSITORY
from tests.virtualenvs import local_only


def python_files() -> set[Path]:
    """Every ``.py`` file of the repository, found without asking mypy."""
    return {
        path.relative_to(REPOSITORY)
        for path in REPOSITORY.rglob("*.py")
        if not any(
            local_only(part) or part.startswith(".")  # mypy skips hidden folders too
            for part in path.relative_to(REPOSITORY).parts[:-1]
        )
    }


def test_mypy_with_no_arguments_passes_over_every_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checked = re.search(r"no issues found in (\d+) source files", result.stdout)
    assert checked, result.stdout
    assert int(checked.group(1)) == len(python_files())
