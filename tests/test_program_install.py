"""``pulumi up``'s own install, as the Pulumi CLI does it: ``./venv`` in the project root, pip on
``requirements.txt`` there, then ``__main__.py`` run from the project root. This does that in a
copy of the repository with a fresh virtualenv: the program's imports resolve (the vocabulary
from the pack folder's ``src/``, installed by ``-e ./policies``), and the dev tools stay out of
the virtualenv that holds the Tier-0 deploy credentials' process.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mock_engine.engine import REPOSITORY
from tests.clock import pinned_environment
from tests.virtualenvs import LOCAL_ONLY, installed_virtualenv


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the repository and the virtualenv `pulumi up` builds in it."""
    folder = tmp_path_factory.mktemp("checkout") / "privilege-secure-entra"
    shutil.copytree(REPOSITORY, folder, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    return folder, installed_virtualenv(folder, folder / "venv")


def run_in(project: tuple[Path, Path], code: str) -> subprocess.CompletedProcess[str]:
    """``code`` by the project's virtualenv, from the project root, as the CLI runs the program."""
    folder, python = project
    env = {k: v for k, v in pinned_environment().items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [python, "-c", code], cwd=folder, env=env, capture_output=True, text=True, check=False
    )


def program_imports() -> list[str]:
    """The modules ``__main__.py`` imports."""
    tree = ast.parse((REPOSITORY / "__main__.py").read_text())
    modules = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    modules += [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    ]
    return modules


def test_the_program_imports_in_the_virtualenv_pulumi_up_builds(
    project: tuple[Path, Path],
) -> None:
    modules = program_imports()
    assert "components.app_registration" in modules
    probe = run_in(
        project, f"import {', '.join(modules)}; import entra_vocabulary as v; print(v.__file__)"
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == str(
        project[0] / "policies" / "src" / "entra_vocabulary" / "__init__.py"
    )


@pytest.mark.parametrize("module", ["pytest", "mypy", "pulumi_policy"])
def test_the_dev_tools_stay_out_of_the_deploy_virtualenv(
    project: tuple[Path, Path], module: str
) -> None:
    probe = run_in(project, f"import {module}")
    assert probe.returncode != 0, f"{module} is installed where `pulumi up` runs the program"


@pytest.fixture(scope="module")
def preview_python(project: tuple[Path, Path]) -> Path:
    """The deploy job's offline preview virtualenv (virtualenvs.sh deploy), in the same copy."""
    folder, _ = project
    return installed_virtualenv(folder, folder / ".venv-preview", "requirements-preview.txt")


def test_the_deploy_job_s_offline_preview_runs_without_the_test_tools(
    project: tuple[Path, Path], preview_python: Path
) -> None:
    """Before `pulumi up` the deploy job previews the stack offline, with the credentials around:
    it needs the program, the pack and PyYAML, never pytest, mypy, ruff or zizmor."""
    folder, _ = project
    env = {k: v for k, v in pinned_environment().items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    preview = subprocess.run(
        [preview_python, "-m", "offline_preview", "--stack", "dev", "--format", "json"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert preview.returncode == 0, preview.stderr
    plan = json.loads(preview.stdout)
    assert plan["policy"]["pack"] == "privilege-secure-entra-guard"  # the pack judged it
    assert plan["policy"]["mandatoryViolations"] == 0
    for tool in ("pytest", "mypy", "ruff", "zizmor", "jsonschema"):
        probe = subprocess.run(
            [preview_python, "-c", f"import {tool}"], cwd="/", capture_output=True, check=False
        )
        assert probe.returncode != 0, f"{tool} is installed beside the deploy credentials"
