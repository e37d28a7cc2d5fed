"""A fresh virtualenv built as the Pulumi CLI builds one: pip on ``requirements.txt``, running in
the folder that holds it (so its relative entries, ``-e .`` or ``-e ./policies``, are that
folder's)."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path


def installed_virtualenv(
    folder: Path, virtualenv: Path, requirements: str = "requirements.txt"
) -> Path:
    """``virtualenv`` with ``folder/requirements`` installed; its Python."""
    venv.create(virtualenv, with_pip=True)
    python = virtualenv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "-r", requirements],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return python
