"""The pack ships alone: ``pulumi policy publish`` uploads the pack's folder and nothing else, and
Pulumi Cloud runs it from that folder with only its ``requirements.txt`` installed. This does
exactly that: copy ``policies/`` to a folder of another name, install its requirements into a
fresh virtualenv (from the index this machine's pip uses), start it as the CLI starts it and judge
a stack. A pack that reached into the repository (``components``, a ``sys.path`` insert, its own
folder's name) fails here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_preview.policy_client import PACK_DIRECTORY, PolicyPackClient
from tests.clock import pinned_environment
from tests.policies.program_harness import DEV, ProgramRuns, Scenario, judge_stack
from tests.virtualenvs import installed_virtualenv

PUBLISHED = shutil.ignore_patterns(
    *(
        line.rstrip("/")
        for ignores in (PACK_DIRECTORY / ".gitignore", PACK_DIRECTORY.parent / ".gitignore")
        for line in ignores.read_text().splitlines()
        if line and not line.startswith("#")
    )
)
"""What ``pulumi policy publish`` leaves out of the upload: the pack folder's .gitignore and the
repository's above it (the archiver reads the .gitignore files above the folder too)."""


def published_copy(folder: Path) -> Path:
    """A copy of the pack folder at ``folder``, as ``pulumi policy publish`` uploads it."""
    shutil.copytree(PACK_DIRECTORY, folder, ignore=PUBLISHED)
    return folder


def start_pack_expecting_refusal(
    folder: Path, pythonpath: Path
) -> subprocess.CompletedProcess[str]:
    """Start ``folder`` as the Pulumi CLI does, ``pythonpath`` first; a refusal exits at once."""
    return subprocess.run(
        [sys.executable, "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=folder,
        env={**pinned_environment(), "PYTHONPATH": str(pythonpath)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


GLOBAL_ADMINISTRATOR_RUN = Scenario(
    DEV, "4.1", preview=True, overrides=(("manageGlobalAdministrators", "true"),)
)
"""A run the pack must stop: Global Administrator without the pack's own switch."""


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The pack folder alone and a virtualenv with its requirements and nothing of this repo."""
    root = tmp_path_factory.mktemp("published")
    folder = published_copy(root / "entra-guard-as-published")
    return folder, installed_virtualenv(folder, root / "venv")


@pytest.fixture(scope="module")
def shipped_pack(shipped: tuple[Path, Path]) -> Iterator[PolicyPackClient]:
    """The shipped pack, started as the Pulumi CLI starts it."""
    folder, python = shipped
    env = {k: v for k, v in pinned_environment().items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    with PolicyPackClient(pack_directory=folder, python=str(python), env=env) as client:
        yield client


def test_the_shipped_virtualenv_holds_nothing_of_the_repository(
    shipped: tuple[Path, Path],
) -> None:
    _, python = shipped
    for module in ("components", "offline_preview", "policies", "pulumi_azuread"):
        probe = subprocess.run(
            [python, "-c", f"import {module}"], cwd="/", capture_output=True, text=True
        )
        assert probe.returncode != 0, f"{module} is importable beside the shipped pack"


def test_the_pack_folder_alone_serves_every_policy(
    shipped_pack: PolicyPackClient, running_pack: PolicyPackClient
) -> None:
    assert shipped_pack.analyzer_info() == running_pack.analyzer_info()


@pytest.mark.parametrize(
    "scenario", [Scenario(DEV, "4.1", preview=True), GLOBAL_ADMINISTRATOR_RUN], ids=str
)
def test_the_pack_folder_alone_judges_a_stack_as_the_repository_does(
    shipped_pack: PolicyPackClient,
    running_pack: PolicyPackClient,
    runs: ProgramRuns,
    scenario: Scenario,
) -> None:
    resources = runs.get(scenario).resources
    alone = judge_stack(shipped_pack, resources, scenario.stack)
    assert alone == judge_stack(running_pack, resources, scenario.stack)
    if scenario is GLOBAL_ADMINISTRATOR_RUN:
        assert [d.policy_name for d in alone.mandatory] == ["directory-role-allowlist"]


def test_a_pack_folder_judges_with_its_own_policies_not_the_installed_ones(
    tmp_path: Path, running_pack: PolicyPackClient, runs: ProgramRuns
) -> None:
    """On a pull request the gate is the target branch's pack folder, started by an interpreter
    that has the pull request's ``entra_guard`` installed (the offline preview's). The folder's
    own policies must judge: here the gate's copy refuses every directory role, the installed
    pack only Global Administrator."""
    gate = published_copy(tmp_path / "target-branch" / "policies")
    policy = gate / "src" / "entra_guard" / "directory_roles.py"
    source = policy.read_text()
    check = "if name is None or name not in self.allowed:"
    assert check in source
    policy.write_text(source.replace(check, "if True:"))
    scenario = Scenario(DEV, "4.1", preview=True)
    resources = runs.get(scenario).resources
    env = pinned_environment()
    with PolicyPackClient(pack_directory=gate, env=env) as gate_pack:
        by_the_gate = judge_stack(gate_pack, resources, scenario.stack)
    by_the_installed_pack = judge_stack(running_pack, resources, scenario.stack)
    assert [d.policy_name for d in by_the_installed_pack.mandatory] == []
    assert [d.policy_name for d in by_the_gate.mandatory] == ["directory-role-allowlist"]


def test_the_pack_builds_into_a_wheel_that_holds_every_module(tmp_path: Path) -> None:
    """The pack folder's distribution holds every module (a subpackage left out of the build would
    be missing wherever it is installed from a wheel, by a packaging tool or a mirror); the pack
    itself runs from its folder's own src/ (``-e .``), as ``__main__.py`` checks."""
    folder = published_copy(tmp_path / "policies")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), "."],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    source = folder / "src"
    modules = {str(path.relative_to(source)) for path in source.rglob("*.py")}
    assert "entra_guard/helpers/values.py" in modules
    assert modules <= packed
    assert "entra_vocabulary/graph_permission_ids.md" in packed


def test_a_pack_folder_without_its_own_policies_refuses_to_start(tmp_path: Path) -> None:
    """A folder whose src/ is missing would be served by whatever entra_guard is installed."""
    folder = published_copy(tmp_path / "policies")
    shutil.rmtree(folder / "src")
    started = start_pack_expecting_refusal(folder, folder / "src")
    assert started.returncode != 0
    assert "entra_guard is found at" in started.stderr
    assert "not in this pack folder's" in started.stderr


def test_a_pack_folder_refuses_another_copy_of_its_policies_before_running_it(
    tmp_path: Path,
) -> None:
    """Another entra_guard first on the path (a stale or foreign install) is refused before any
    of its code runs, so it can neither serve nor weaken the policies."""
    folder = published_copy(tmp_path / "policies")
    other = tmp_path / "other" / "src"
    shutil.copytree(folder / "src", other)
    ran = tmp_path / "the other copy ran"
    init = other / "entra_guard" / "__init__.py"
    init.write_text(init.read_text() + f"\nopen({str(ran)!r}, 'w').close()\n")
    started = start_pack_expecting_refusal(folder, other)
    assert started.returncode != 0
    assert f"entra_guard is found at {other}" in started.stderr
    assert not ran.exists()
