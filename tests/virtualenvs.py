"""A fresh virtualenv built as the Pulumi CLI builds one: pip on ``requirements.txt``, running in
the folder that holds it (so its relative entries, ``-e .`` or ``-e ./policies``, are that
folder's)."""

from __future__ import annotations

import fnmatch
import subprocess
import venv
from pathlib import Path
from typing import Final

LOCAL_ONLY: Final = (
    ".git",
    "venv",
    ".ci-venv",
    ".venv-preview",
    "__pycache__",
    ".*_cache",
    "*.egg-info",
    "build",
)
"""What a checkout holds besides the repository's files (.gitignore): git's, virtualenvs, caches
and build output. Never copied, code-owned or type-checked."""


def local_only(name: str) -> bool:
    """Whether a file or folder name is one of ``LOCAL_ONLY``."""
    return any(fnmatch.fnmatch(name, pattern) for pattern in LOCAL_ONLY)


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
