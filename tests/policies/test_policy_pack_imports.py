"""The pack runs in its own virtualenv (policies/requirements.txt): no azuread SDK there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent.parent


def test_the_pack_imports_nothing_outside_its_requirements() -> None:
    probe = (
        "import sys; sys.path.insert(0, '.');"
        "import policies.guardrails;"
        "policies.guardrails.build_policies();"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'pulumi_azuread', 'pytest', 'mypy'}); print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
