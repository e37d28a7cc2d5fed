"""Reading the pipelines: their files, jobs, shell steps and the repository script each step calls.

Shared by the pipeline tests (wiring, credentials, the Azure fan-out, code owners).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.test_readme import fenced_commands

REPOSITORY = Path(__file__).resolve().parent.parent
GITHUB_WORKFLOW = REPOSITORY / ".github" / "workflows" / "pulumi.yml"
AZURE_PIPELINE = REPOSITORY / "pipelines" / "azure-pipelines.yml"
AZURE_STACK_PIPELINE = REPOSITORY / "pipelines" / "azure-pipelines-stack.yml"
PIPELINES = [GITHUB_WORKFLOW, AZURE_PIPELINE, AZURE_STACK_PIPELINE]
FLEET_PIPELINES = [GITHUB_WORKFLOW, AZURE_PIPELINE]
"""The pipelines every trigger runs: tests, the fleet's offline preview, then each stack."""
STEPS = REPOSITORY / "pipelines" / "steps"
README_TEST_COMMAND = fenced_commands()[1]
"""The README's test command, read from the README (tests/test_readme.py pins which block)."""


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def jobs_with_steps(node: Any, name: str = "") -> Iterator[tuple[str, list[Any]]]:
    """Every `steps:` list (a GitHub job, an Azure DevOps job or deployment hook) with its name."""
    if isinstance(node, dict):
        name = str(node.get("job") or node.get("deployment") or name)
        for key, value in node.items():
            if key == "steps" and isinstance(value, list):
                yield name, value
            elif key == "jobs" and isinstance(value, dict):  # GitHub: job id -> job
                for job_id, job in value.items():
                    yield from jobs_with_steps(job, str(job_id))
            else:
                yield from jobs_with_steps(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from jobs_with_steps(item, name)


def step_shell(step: Mapping[str, Any]) -> str | None:
    """The shell a step runs (`run:`, `script:`, `bash:`, an AzureCLI task's `inlineScript:`)."""
    for key in ("run", "script", "bash"):
        if isinstance(step.get(key), str):
            return str(step[key]).strip()
    inline = (step.get("inputs") or {}).get("inlineScript")
    return str(inline).strip() if isinstance(inline, str) else None


def checks_out(steps: list[Any]) -> bool:
    return any(
        isinstance(step, dict)
        and (
            step.get("checkout") == "self"
            or str(step.get("uses", "")).startswith("actions/checkout@")
        )
        for step in steps
    )


def shell_steps(path: Path) -> Iterator[tuple[str, bool, str]]:
    """(job, whether the job checks this repository out, the step's shell) for each shell step."""
    for job, steps in jobs_with_steps(load(path)):
        for step in steps:
            if isinstance(step, dict) and (shell := step_shell(step)) is not None:
                yield job, checks_out(steps), shell


def called_script(shell: str) -> Path:
    """The repository file a one-line step runs: a script, `python3 FILE` or `python3 -m MODULE`."""
    words = shell.split()
    if words[0] in ("python3", "venv/bin/python"):
        if words[1] == "-m":
            module = REPOSITORY.joinpath(*words[2].split("."))
            return (
                module.with_suffix(".py")
                if module.with_suffix(".py").is_file()
                else module / "__main__.py"
            )
        return REPOSITORY / words[1]
    return REPOSITORY / words[0]


def job_scripts(path: Path, job: str) -> list[str]:
    """The step scripts one job calls, in order, by file name."""
    return [
        called_script(shell).name
        for name, checked_out, shell in shell_steps(path)
        if name == job and checked_out
    ]


def github_triggers(workflow: Any) -> Any:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
