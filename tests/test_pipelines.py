"""The pipelines run only what this repository has, and do what the README promises.

`.github/workflows/pulumi.yml` and both Azure DevOps files (`pipelines/azure-pipelines.yml`, the
fleet, and `pipelines/azure-pipelines-stack.yml`, one stack's run) are parsed; every shell
script (`run:`, `script:`, `bash:`, `inlineScript:`) and every `pulumi/actions` step with a
`command` is split into commands, and each command that names something of this repository is
checked: files (`pip install -r`, `--policy-pack-config`), directories (`--policy-pack`), stacks
(`--stack` names a `Pulumi.<stack>.yaml`), modules run with `python -m` (a repository package needs
`__main__.py`, anything else must be importable) and every `python -m offline_preview` flag (parsed
by its own argparse parser). A command the checker does not know fails the test, so a new tool in
a pipeline has to be classified here first.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import io
import itertools
import json
import re
import shlex
import subprocess
import urllib.error
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline_preview.cli import parser as offline_preview_parser
from offline_preview.stacks import policy_pack_config
from tests.test_readme import fenced_commands

REPOSITORY = Path(__file__).resolve().parent.parent
GITHUB_WORKFLOW = REPOSITORY / ".github" / "workflows" / "pulumi.yml"
AZURE_PIPELINE = REPOSITORY / "pipelines" / "azure-pipelines.yml"
AZURE_STACK_PIPELINE = REPOSITORY / "pipelines" / "azure-pipelines-stack.yml"
PIPELINES = [GITHUB_WORKFLOW, AZURE_PIPELINE, AZURE_STACK_PIPELINE]
FLEET_PIPELINES = [GITHUB_WORKFLOW, AZURE_PIPELINE]
"""The pipelines every trigger runs: tests, the fleet's offline preview, then each stack."""
OFFLINE_PREVIEW_STEP = "pipelines/offline-preview.sh"
README_TEST_COMMAND = fenced_commands()[1]
"""The README's test command, read from the README (tests/test_readme.py pins which block)."""

# Commands that are not this repository's: shell builtins and tools of the build image.
EXTERNAL_COMMANDS = frozenset(
    {"[", "cat", "cd", "curl", "echo", "exit", "export", "git", "rm", "sh", "test", "true"}
)
SHELL_KEYWORDS = frozenset({"!", "if", "then", "else", "elif", "fi", "{", "}", "do", "done"})
SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")"})
# Where a pipeline's checkout lives; a command path under it is a repository path. `$GATE` is a
# second checkout of this repository (the target branch's, whose policy pack judges a change).
WORKSPACE_PREFIXES = ("$GITHUB_WORKSPACE/", "$BUILD_SOURCESDIRECTORY/", "$GATE/")
# A job's stack when it comes from the stack files (the GitHub matrix, the Azure DevOps parameter).
STACKS_FROM_FILES = frozenset({"$STACK", "${{ parameters.stack }}"})
# Files a script writes before it reads them (the offline preview's plans and comment).
PRODUCED_FILES = frozenset({"base.json", "preview.md", "preview.err"})
# The stack's policy pack config, resolved by the script itself from the stack files' convention
# (tests below run those lines against offline_preview.stacks.policy_pack_config).
RESOLVED_PACK_CONFIG = "$PACK_CONFIG"

HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1[^\n]*\n.*?\n\s*\2[ \t]*(?=\n|$)", re.DOTALL)
REDIRECTION = re.compile(r"\s\d*>>?&?\s*(\"[^\"]*\"|'[^']*'|[^\s;|&()]+)")
VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class Script:
    """One shell script of a pipeline, with the job it belongs to."""

    pipeline: Path
    job: str
    step: str
    text: str


@dataclass
class Checker:
    """Checks the commands of one job in order (a virtualenv exists once a command created it)."""

    variables: Mapping[str, str]
    virtualenvs: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def check_script(self, script: Script) -> None:
        for command in commands(script.text):
            where = f"{script.pipeline.name} {script.job} / {script.step}: {shlex.join(command)}"
            for problem in self.check(command):
                self.problems.append(f"{where}: {problem}")

    def check(self, command: list[str]) -> Iterator[str]:
        executable = command[0]
        for prefix in WORKSPACE_PREFIXES:
            executable = executable.removeprefix(prefix)
        arguments = [self.expand(argument) for argument in command[1:]]
        name = executable.rsplit("/", 1)[-1]
        if "/" in executable:
            yield from self.check_repository_executable(executable)
        if executable == OFFLINE_PREVIEW_STEP:
            # pipelines/offline-preview.sh PYTHON FLAGS: PYTHON -m offline_preview FLAGS
            yield from self.check([arguments[0], "-m", "offline_preview", *arguments[1:]])
        elif re.fullmatch(r"python(3(\.\d+)?)?", name):
            yield from self.check_python(arguments)
        elif name == "pip":
            yield from self.check_pip(arguments)
        elif name == "pulumi":
            yield from self.check_pulumi(arguments)
        elif "/" not in executable and name not in EXTERNAL_COMMANDS:
            yield f"unknown command {name!r}: classify it in tests/test_pipelines.py"

    def check_repository_executable(self, executable: str) -> Iterator[str]:
        if executable.startswith(("/", "$", "~")):
            yield f"{executable}: not a repository path"
            return
        virtualenv = executable.partition("/bin/")[0] if "/bin/" in executable else None
        if virtualenv is not None and virtualenv in self.virtualenvs:
            return
        if virtualenv is not None:
            yield f"{executable}: no earlier `python3 -m venv {virtualenv}` in this job"
        elif not (REPOSITORY / executable).is_file():
            yield f"{executable}: no such file in the repository"

    def check_python(self, arguments: list[str]) -> Iterator[str]:
        if not arguments or arguments[0] == "-":
            return
        if arguments[0] != "-m":
            if not (REPOSITORY / arguments[0]).is_file():
                yield f"{arguments[0]}: no such script in the repository"
            return
        module, rest = arguments[1], arguments[2:]
        package = REPOSITORY / module.split(".")[0]
        if module == "venv":
            self.virtualenvs.add(self.repository_path(rest[-1]))
        # A directory of the repository, not one a run leaves behind (./venv is ignored by git).
        if package.is_dir() and not (package / "pyvenv.cfg").exists():
            path = REPOSITORY / module.replace(".", "/")
            if not (path / "__main__.py").is_file() and not path.with_suffix(".py").is_file():
                yield f"python -m {module}: no such module (or package __main__.py) here"
        elif importlib.util.find_spec(module) is None:
            yield f"python -m {module}: neither a repository package nor an installed module"
        if module == "offline_preview":
            yield from self.check_offline_preview(rest)

    def check_offline_preview(self, arguments: list[str]) -> Iterator[str]:
        try:
            options = offline_preview_parser().parse_args(arguments)
        except SystemExit:
            yield f"python -m offline_preview does not accept {shlex.join(arguments)}"
            return
        if not options.all_stacks:
            yield from self.check_stack(options.stack or "dev")
        if options.policy_pack_config is not None:
            yield from self.check_file(options.policy_pack_config)
        if options.compare_to is not None and options.compare_to not in PRODUCED_FILES:
            yield from self.check_file(options.compare_to)

    def check_pip(self, arguments: list[str]) -> Iterator[str]:
        for flag, value in itertools.pairwise(arguments):
            if flag in ("-r", "--requirement"):
                yield from self.check_file(value)

    def check_pulumi(self, arguments: list[str]) -> Iterator[str]:
        if not (REPOSITORY / "Pulumi.yaml").is_file():
            yield "pulumi runs from the repository root, which has no Pulumi.yaml"
        arguments = [self.repository_path(argument) for argument in arguments]
        for flag, value in itertools.pairwise(arguments):
            if flag in ("--stack", "-s"):
                yield from self.check_stack(value)
            elif flag == "--policy-pack":
                if not (REPOSITORY / value / "PulumiPolicy.yaml").is_file():
                    yield f"--policy-pack {value}: no PulumiPolicy.yaml there"
            elif flag == "--policy-pack-config" and value != RESOLVED_PACK_CONFIG:
                yield from self.check_file(value)
                if (REPOSITORY / value).is_file():
                    json.loads((REPOSITORY / value).read_text())

    def check_stack(self, stack: str) -> Iterator[str]:
        if stack in STACKS_FROM_FILES:
            return  # the matrix or the fan-out: the stack files themselves (tests below)
        if not (REPOSITORY / f"Pulumi.{stack}.yaml").is_file():
            yield f"stack {stack!r}: no Pulumi.{stack}.yaml"

    def check_file(self, path: str) -> Iterator[str]:
        path = self.repository_path(path)
        if not (REPOSITORY / path).is_file():
            yield f"{path}: no such file in the repository"

    @staticmethod
    def repository_path(path: str) -> str:
        for prefix in WORKSPACE_PREFIXES:
            path = path.removeprefix(prefix)
        return path

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            return self.variables.get(name, match.group(0))

        return VARIABLE.sub(value, text)


def commands(script: str) -> list[list[str]]:
    """The simple commands of a shell script: heredoc bodies, redirections and keywords removed."""
    script = HEREDOC.sub("", script)
    script = re.sub(r"\\\n", " ", script)
    result: list[list[str]] = []
    for line in script.splitlines():
        if line.strip().startswith("#"):
            continue
        lexer = shlex.shlex(REDIRECTION.sub(" ", f" {line}"), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        for token in [*lexer, ";"]:
            if token in SEPARATORS:
                while current and (current[0] in SHELL_KEYWORDS or "=" in current[0]):
                    current.pop(0)  # `if`, `then`, `status=0 cmd` ...
                if current:
                    result.append(current)
                current = []
            else:
                current.append(token)
    return result


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def jobs_with_steps(node: Any, name: str = "") -> Iterator[tuple[str, list[Any]]]:
    """Every `steps:` list (a GitHub job, an Azure DevOps job or deployment hook) with its name."""
    if isinstance(node, dict):
        name = str(node.get("job") or node.get("deployment") or node.get("name") or name)
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


def step_scripts(step: Mapping[str, Any]) -> Iterator[str]:
    """The shell a step runs, with a `pulumi/actions` `command` rendered as its CLI command."""
    for key in ("run", "script", "bash"):
        if isinstance(step.get(key), str):
            yield step[key]
    inputs = step.get("inputs") or {}
    for key in ("inlineScript", "script"):
        if isinstance(inputs.get(key), str):
            yield inputs[key]
    action = step.get("with") or {}
    if str(step.get("uses", "")).startswith("pulumi/actions@") and "command" in action:
        work_dir = str(action.get("work-dir", "./"))
        if not (REPOSITORY / work_dir / "Pulumi.yaml").is_file():
            yield f"false-work-dir {shlex.quote(work_dir)}"  # reported as an unknown command
        command = ["pulumi", str(action["command"])]
        if "stack-name" in action:
            command += ["--stack", str(action["stack-name"]).rsplit("/", 1)[-1]]
        for pack in str(action.get("policyPacks", "")).split():
            command += ["--policy-pack", pack]
        for config in str(action.get("policyPackConfigs", "")).split():
            command += ["--policy-pack-config", config]
        yield shlex.join(command)


def scripts(path: Path, document: Any) -> Iterator[tuple[str, list[Script]]]:
    for job, steps in jobs_with_steps(document):
        job_scripts = [
            Script(path, job, str(step.get("name") or step.get("displayName") or "step"), text)
            for step in steps
            if isinstance(step, dict)
            for text in step_scripts(step)
        ]
        yield job, job_scripts


def pipeline_variables(document: Any) -> dict[str, str]:
    """The pipeline-wide variables scripts read (`env:` on GitHub, `variables:` on Azure DevOps)."""
    found = {str(key): str(value) for key, value in (document.get("env") or {}).items()}
    variables = document.get("variables") or []
    for variable in variables if isinstance(variables, list) else []:
        if isinstance(variable, dict) and "name" in variable:
            found[str(variable["name"])] = str(variable.get("value", ""))
    return found


def problems_of(path: Path, document: Any) -> list[str]:
    problems: list[str] = []
    for _, job_scripts in scripts(path, document):
        checker = Checker(pipeline_variables(document))
        for script in job_scripts:
            checker.check_script(script)
        problems += checker.problems
    return problems


def all_commands(path: Path) -> list[str]:
    """Every command of the pipeline, words joined by single spaces (quotes removed)."""
    document = load(path)
    return [
        " ".join(command)
        for _, job_scripts in scripts(path, document)
        for script in job_scripts
        for command in commands(script.text)
    ]


def github_triggers(workflow: Any) -> Any:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


# --- every repository command exists ----------------------------------------------------------


@pytest.mark.parametrize("path", PIPELINES, ids=lambda path: path.name)
def test_every_repository_command_the_pipeline_runs_exists(path: Path) -> None:
    document = load(path)
    assert sum(len(job_scripts) for _, job_scripts in scripts(path, document)) >= 5
    assert problems_of(path, document) == []


@pytest.mark.parametrize("path", FLEET_PIPELINES, ids=lambda path: path.name)
def test_the_pipeline_runs_the_readme_test_command_verbatim(path: Path) -> None:
    texts = [script.text.strip() for _, s in scripts(path, load(path)) for script in s]
    assert README_TEST_COMMAND in texts


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("python3 -m offline_preview --format html", "does not accept"),
        ("python3 -m offline_preview --diff-against base.json", "does not accept"),
        ("python3 -m venv venv && venv/bin/pip install -r requirements-ci.txt", "no such file"),
        ("venv/bin/python -m pytest", "no earlier `python3 -m venv venv`"),
        ("python3 -m offline_preview --stack prod", "no Pulumi.prod.yaml"),
        ("python3 -m bench", "no such module (or package __main__.py) here"),
        ("python3 -m offline_preview.fleets", "no such module (or package __main__.py) here"),
        (
            "python3 -m venv venv && pipelines/offline-preview.sh venv/bin/python --stack prod",
            "no Pulumi.prod.yaml",
        ),
        ("python3 -m no_such_module_here", "neither a repository package"),
        ("pulumi preview --policy-pack policy", "no PulumiPolicy.yaml"),
        ("pulumi up --policy-pack-config policies/config.json", "no such file"),
        ("./scripts/deploy.sh", "no such file"),
        ("terraform apply", "unknown command"),
    ],
)
def test_the_checker_finds_a_command_that_does_not_exist(script: str, problem: str) -> None:
    checker = Checker({"STACK": "dev"})
    checker.check_script(Script(Path("pipeline.yml"), "job", "step", script))
    assert len(checker.problems) == 1
    assert problem in checker.problems[0]


def test_the_checker_reads_pulumi_actions_commands_and_shell_structure() -> None:
    steps = [
        {"uses": "pulumi/actions@v6", "with": {"command": "preview", "work-dir": "infra"}},
        {"uses": "pulumi/actions@v6", "with": {"command": "up", "policyPacks": "guard"}},
    ]
    checker = Checker({})
    for text in (text for step in steps for text in step_scripts(step)):
        checker.check_script(Script(Path("pipeline.yml"), "job", "step", text))
    assert len(checker.problems) == 2
    assert "unknown command 'false-work-dir'" in checker.problems[0]
    assert "--policy-pack guard: no PulumiPolicy.yaml" in checker.problems[1]
    script = "if [ -s x ]; then\n  A=1 venv/bin/python - <<'EOF'\nimport os > 2\nEOF\nfi > out"
    assert commands(script) == [["[", "-s", "x", "]"], ["venv/bin/python", "-"]]


# --- what the pipelines promise ---------------------------------------------------------------


def pulumi_commands(path: Path) -> list[str]:
    return [c for c in all_commands(path) if c.startswith("pulumi ")]


def test_github_pull_requests_get_the_fleet_preview_compared_to_the_base_branch() -> None:
    workflow = load(GITHUB_WORKFLOW)
    assert "pull_request" in github_triggers(workflow)
    test = workflow["jobs"]["offline-preview"]
    assert test["steps"][0]["with"]["fetch-depth"] == 0
    commands_run = all_commands(GITHUB_WORKFLOW)
    assert any("-m offline_preview --all-stacks --format json" in c for c in commands_run)
    # the fleet preview, judged by the gate's pack (the base branch's on a pull request), each
    # stack with the gate's pack config for that stack (no --policy-pack-config for all)
    assert (
        f"{OFFLINE_PREVIEW_STEP} venv/bin/python --all-stacks --policy-pack $GATE/policies"
        in commands_run
    )
    steps = {step.get("name"): step for step in test["steps"]}
    base = steps["The base branch (the gate) and its offline preview (base.json)"]
    preview = steps["Offline preview of every stack (preview.md)"]
    assert base["env"]["GATE"] == "${{ runner.temp }}/base"
    assert preview["env"]["GATE"] == (
        "${{ github.event_name == 'pull_request' && format('{0}/base', runner.temp) "
        "|| github.workspace }}"
    )
    comment = workflow["jobs"]["comment"]
    # posted even when the preview found a mandatory violation and failed the test job
    assert comment["needs"] == "offline-preview"
    assert comment["if"].startswith("always()")
    assert comment["permissions"] == {"pull-requests": "write"}
    never_empty, post = comment["steps"][-2:]
    assert never_empty["run"] == "test -s preview.md"
    assert post["uses"].startswith("marocchino/sticky-pull-request-comment@")
    assert post["with"]["path"] == "preview.md"


def test_azure_pull_requests_get_the_fleet_preview_compared_to_the_target_branch() -> None:
    pipeline = load(AZURE_PIPELINE)
    assert pipeline["pr"]["branches"]["include"] == ["main"]
    commands_run = all_commands(AZURE_PIPELINE)
    assert any("-m offline_preview --all-stacks --format json" in c for c in commands_run)
    assert (
        f"{OFFLINE_PREVIEW_STEP} venv/bin/python --all-stacks --policy-pack $GATE/policies"
        in commands_run
    )
    stages = {stage["stage"]: stage for stage in pipeline["stages"]}
    test_steps = stages["OfflinePreview"]["jobs"][0]["steps"]
    assert test_steps[0]["fetchDepth"] == "0"
    comment = next(step for step in test_steps if "pullRequests" in step.get("script", ""))
    assert "PullRequest" in comment["condition"]
    assert comment["env"] == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
    assert 'raise SystemExit("preview.md is empty: no comment posted")' in comment["script"]
    # the job fails on a violation only after the comment was posted
    assert test_steps[-1]["script"] == 'exit "$PREVIEW_STATUS"'


@pytest.mark.parametrize("path", FLEET_PIPELINES, ids=lambda path: path.name)
def test_the_offline_preview_step_is_shared_and_its_status_fails_the_run(path: Path) -> None:
    texts = [script.text for _, s in scripts(path, load(path)) for script in s]
    (step,) = [text for text in texts if f"{OFFLINE_PREVIEW_STEP} venv/bin/python" in text]
    assert "cat preview.status" in step
    assert 'exit "$PREVIEW_STATUS"' in texts


# --- pipelines/offline-preview.sh: a crash is not a verdict, a comment is never empty ---------


FAKE_PYTHON = """#!/bin/sh
# Plays `python -m offline_preview ...`: FAKE_OUT on stdout, FAKE_ERR on stderr, exit FAKE_CODE;
# with --compare-to it answers COMPARE_CODE with no output when that is set.
case "$*" in *--compare-to*) if [ -n "$COMPARE_CODE" ]; then exit "$COMPARE_CODE"; fi;; esac
[ -n "$FAKE_OUT" ] && printf '%s\\n' "$FAKE_OUT"
[ -n "$FAKE_ERR" ] && printf '%s\\n' "$FAKE_ERR" >&2
exit "$FAKE_CODE"
"""


def offline_preview_step(
    tmp_path: Path, code: int, out: str, err: str = "", compare_code: str = "", base: bool = False
) -> tuple[int, str]:
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    if base:
        (tmp_path / "base.json").write_text("{}")
    environment = {
        "PATH": "/usr/bin:/bin",
        "FAKE_CODE": str(code),
        "FAKE_OUT": out,
        "FAKE_ERR": err,
        "COMPARE_CODE": compare_code,
    }
    result = subprocess.run(
        [str(REPOSITORY / OFFLINE_PREVIEW_STEP), str(python), "--all-stacks"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr  # the pipeline fails later, after the comment
    return int((tmp_path / "preview.status").read_text()), (tmp_path / "preview.md").read_text()


@pytest.mark.parametrize("code", [0, 1])
def test_a_verdict_is_posted_as_it_is(tmp_path: Path, code: int) -> None:
    status, comment = offline_preview_step(tmp_path, code, "### Offline preview of the fleet")
    assert status == code
    assert comment == "### Offline preview of the fleet\n"


@pytest.mark.parametrize("code", [2, 3, 139])
def test_any_other_exit_code_is_a_failed_run_with_the_error_first(
    tmp_path: Path, code: int
) -> None:
    status, comment = offline_preview_step(
        tmp_path, code, "", err="error: crashed: KeyError: 'endDate'"
    )
    assert status == code
    assert comment.startswith(f"### Offline preview failed (exit code {code})\n")
    assert "not a policy verdict" in comment
    assert "```\nerror: crashed: KeyError: 'endDate'\n```" in comment


def test_a_fleet_with_an_invalid_stack_keeps_the_table_below_the_error(tmp_path: Path) -> None:
    status, comment = offline_preview_step(
        tmp_path, 2, "| `dev` | PASS |", err="error: stack contoso: bad key"
    )
    assert status == 2
    assert comment.index("error: stack contoso: bad key") < comment.index("| `dev` | PASS |")


def test_an_unreadable_base_plan_gives_the_preview_without_comparison(tmp_path: Path) -> None:
    status, comment = offline_preview_step(tmp_path, 0, "the table", compare_code="2", base=True)
    assert (status, comment) == (0, "the table\n")


def test_a_crash_with_no_output_at_all_still_gives_a_comment(tmp_path: Path) -> None:
    status, comment = offline_preview_step(tmp_path, 3, "")
    assert status == 3
    assert "(nothing on stderr)" in comment
    status, comment = offline_preview_step(tmp_path, 0, "")  # "success" with nothing to show
    assert status == 3
    assert comment.startswith("### Offline preview failed")


# --- each stack on its own: a matrix from the stack files, its own credentials ----------------


def test_github_runs_each_stack_from_the_stack_files() -> None:
    workflow = load(GITHUB_WORKFLOW)
    jobs = workflow["jobs"]
    (list_step,) = [step for step in jobs["stacks"]["steps"] if step.get("id") == "list"]
    assert "python3 -m offline_preview.stacks --matrix github" in list_step["run"]
    for name, prefix in (("preview", "preview-"), ("up", "deploy-"), ("drift", "preview-")):
        job = jobs[name]
        assert "stacks" in job["needs"]
        assert job["strategy"]["fail-fast"] is False, name
        assert job["strategy"]["matrix"] == {
            "stack": "${{ fromJSON(needs.stacks.outputs.stacks) }}"
        }
        assert job["environment"] == prefix + "${{ matrix.stack }}", name
        assert job["env"]["STACK"] == "${{ matrix.stack }}"
    for name in ("up", "drift"):
        # one lock per stack for `up` and the drift check; `queue: max` keeps every pending run
        # (with the default `single`, a queued drift check would cancel a pending `up`)
        assert jobs[name]["concurrency"] == {
            "group": "pulumi-stack-${{ matrix.stack }}",
            "cancel-in-progress": False,
            "queue": "max",
        }


def test_github_previews_pull_requests_deploys_main_weekly_and_checks_drift_daily() -> None:
    workflow = load(GITHUB_WORKFLOW)
    triggers = github_triggers(workflow)
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers
    weekly, daily = (schedule["cron"] for schedule in triggers["schedule"])
    assert_weekly(weekly)
    assert daily.split()[2:] == ["*", "*", "*"]
    jobs = workflow["jobs"]
    assert "github.event_name == 'pull_request'" in jobs["preview"]["if"]
    assert "github.ref == 'refs/heads/main'" in jobs["up"]["if"]
    assert f"github.event.schedule == '{weekly}'" in jobs["up"]["if"]
    assert f"github.event.schedule == '{daily}'" in jobs["drift"]["if"]
    assert "github.ref == 'refs/heads/main'" in jobs["drift"]["if"]
    # pull requests: a new push cancels the older run; main's runs are never cancelled
    assert workflow["concurrency"] == {
        "group": "pulumi-${{ github.event.pull_request.number || github.run_id }}",
        "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    }


def test_github_has_one_verdict_to_require_whatever_the_stacks() -> None:
    verdict = load(GITHUB_WORKFLOW)["jobs"]["verdict"]
    assert verdict["needs"] == ["stacks", "test", "offline-preview", "preview"]
    assert verdict["if"].startswith("always()")
    assert verdict["permissions"] == {}
    (step,) = verdict["steps"]
    assert step["env"]["PREVIEW"] == "${{ needs.preview.result }}"
    assert step["env"]["OFFLINE_PREVIEW"] == "${{ needs.offline-preview.result }}"
    for results, passes in (
        ("success success success success", True),
        ("success success success skipped", True),  # a fork: no preview legs
        ("success success success failure", False),
        ("success success failure skipped", False),  # a stack's offline preview failed
        ("success failure success skipped", False),
        ("failure success success skipped", False),
        ("success success success cancelled", False),
    ):
        stacks, test, offline, preview = results.split()
        environment = {"STACKS": stacks, "TEST": test, "OFFLINE_PREVIEW": offline}
        run = subprocess.run(
            ["bash", "-c", step["run"]],
            env={**environment, "PREVIEW": preview, "PATH": "/usr/bin:/bin"},
            capture_output=True,
        )
        assert (run.returncode == 0) is passes, results


def job_commands(job: Mapping[str, Any]) -> list[str]:
    """A job's commands, words joined by single spaces, in order (deployment hooks included)."""
    return [
        " ".join(command)
        for _, steps in jobs_with_steps(job)
        for step in steps
        if isinstance(step, dict)
        for text in step_scripts(step)
        for command in commands(text)
    ]


def runs_offline_preview(command: str) -> bool:
    """`python -m offline_preview ...` or the shared step (not `offline_preview.stacks`)."""
    return " -m offline_preview " in f"{command} " or command.startswith(OFFLINE_PREVIEW_STEP)


def gates_itself(job: Mapping[str, Any]) -> None:
    """The job previews its own stack offline, then runs `pulumi up`, and nothing of the fleet."""
    run = job_commands(job)
    (preview,) = [i for i, c in enumerate(run) if runs_offline_preview(c)]
    (up,) = [i for i, c in enumerate(run) if c.startswith("pulumi up ")]
    assert preview < up
    assert run[preview] == (
        "venv/bin/python -m offline_preview --stack $STACK --policy-pack policies --format markdown"
    )
    assert not any("--all-stacks" in command for command in run)


def own_preview_script(job: Mapping[str, Any]) -> str:
    (text,) = [
        text
        for _, steps in jobs_with_steps(job)
        for step in steps
        if isinstance(step, dict)
        for text in step_scripts(step)
        if any(runs_offline_preview(" ".join(command)) for command in commands(text))
    ]
    return text


@pytest.mark.parametrize(("code", "stops"), [(0, False), (1, True), (2, False), (3, False)])
def test_a_stack_s_own_offline_preview_stops_its_up_only_on_a_violation(
    tmp_path: Path, code: int, stops: bool
) -> None:
    """A violation is a verdict; exit 2 or 3 (a `secure:` owners list it cannot decrypt) is not,
    and `pulumi up` checks the config and runs the pack itself: a warning, never a block."""
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\necho '### preview'\nexit {code}\n")
    python.chmod(0o755)
    deploy = next(s for s in load(AZURE_STACK_PIPELINE)["stages"] if s["stage"] == "Deploy")
    for where, job in (("github", load(GITHUB_WORKFLOW)["jobs"]["up"]), ("azure", deploy)):
        run = subprocess.run(
            ["bash", "-e", "-c", own_preview_script(job)],
            cwd=tmp_path,
            env={
                "PATH": "/usr/bin:/bin",
                "STACK": "contoso",
                "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            },
            capture_output=True,
            text=True,
        )
        assert (run.returncode != 0) is stops, where
        warned = "No offline verdict for stack contoso" in run.stdout
        assert warned is (code in (2, 3)), where


def test_github_up_of_a_stack_never_waits_for_the_whole_fleet_to_be_green() -> None:
    jobs = load(GITHUB_WORKFLOW)["jobs"]
    # the tests (the program deployed) and the stack list; not the fleet's offline preview,
    # which fails when ANY stack violates a policy or has a broken stack file
    assert jobs["up"]["needs"] == ["stacks", "test"]
    for name in ("test", "stacks"):
        assert not any(runs_offline_preview(command) for command in job_commands(jobs[name]))
    assert "if" not in jobs["test"]  # so a skipped fleet job cannot skip `up` either
    gates_itself(jobs["up"])


def test_azure_up_of_a_stack_never_waits_for_the_whole_fleet_to_be_green() -> None:
    stages = {stage["stage"]: stage for stage in load(AZURE_PIPELINE)["stages"]}
    assert stages["FanOut"]["dependsOn"] == "Test"
    assert not any(runs_offline_preview(command) for command in job_commands(stages["Test"]))
    assert stages["OfflinePreview"]["dependsOn"] == []
    assert any("--all-stacks" in command for command in job_commands(stages["OfflinePreview"]))
    deploy = next(s for s in load(AZURE_STACK_PIPELINE)["stages"] if s["stage"] == "Deploy")
    gates_itself(deploy)


def pack_config_resolutions() -> Iterator[tuple[str, str]]:
    """(where, the lines of a script that set $PACK_CONFIG) for each pulumi command using it."""
    for path in PIPELINES:
        for _, job_scripts in scripts(path, load(path)):
            for script in job_scripts:
                if f'--policy-pack-config "{RESOLVED_PACK_CONFIG}"' in script.text:
                    lines = [
                        line
                        for line in script.text.splitlines()
                        if "PACK_CONFIG" in line and not line.lstrip().startswith("pulumi ")
                    ]
                    yield f"{path.name} {script.job}", "\n".join(lines)


@pytest.mark.parametrize("stack", ["contoso", "dev"])
def test_the_pipelines_resolve_each_stack_s_pack_config_as_the_offline_preview_does(
    tmp_path: Path, stack: str
) -> None:
    gate = tmp_path / "gate"
    for root in (tmp_path, gate):
        (root / "policies" / "stacks").mkdir(parents=True)
        (root / "policies" / "config.example.json").write_text("{}")
        (root / "policies" / "stacks" / "contoso.json").write_text("{}")
    resolutions = list(pack_config_resolutions())
    assert len(resolutions) == 4  # preview and up, on GitHub and Azure DevOps
    for where, lines in resolutions:
        run = subprocess.run(
            ["bash", "-c", f'set -eu\n{lines}\necho "$PACK_CONFIG"'],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "STACK": stack, "GATE": str(gate)},
            capture_output=True,
            text=True,
            check=True,
        )
        root = gate if "$GATE" in lines else tmp_path
        expected = policy_pack_config(root / "policies", stack)
        assert expected is not None
        assert (root / run.stdout.strip()).resolve() == expected.resolve(), where


def test_github_previews_with_the_base_branch_s_policy_pack() -> None:
    preview = load(GITHUB_WORKFLOW)["jobs"]["preview"]
    change, gate = (s for s in preview["steps"] if "actions/checkout@" in s.get("uses", ""))
    assert change["with"]["path"] == "change"
    assert gate["with"] == {
        "ref": "${{ github.base_ref }}",
        "path": "gate",
        "persist-credentials": False,
    }
    assert preview["env"]["GATE"] == "${{ github.workspace }}/gate"
    assert preview["defaults"]["run"]["working-directory"] == "change"


def test_azure_fans_out_one_run_per_stack_file() -> None:
    fleet = load(AZURE_PIPELINE)
    fan_out = next(stage for stage in fleet["stages"] if stage["stage"] == "FanOut")
    assert "ne(variables['System.PullRequest.IsFork'], 'True')" in fan_out["condition"]
    (job,) = fan_out["jobs"]
    step = job["steps"][-1]
    assert step["script"] == (
        "python3 pipelines/azure_fan_out.py --pipeline privilege-secure-entra-stack "
        "--summary fan-out.md"
    )
    assert step["env"] == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
    (weekly, daily) = fleet["schedules"]
    assert_weekly(weekly["cron"])
    assert weekly["displayName"] == azure_fan_out.WEEKLY_UP
    assert daily["displayName"] == azure_fan_out.DAILY_DRIFT
    assert weekly["always"] == daily["always"] == "true"


def test_azure_stack_runs_compile_their_own_credentials_from_the_stack_parameter() -> None:
    pipeline = load(AZURE_STACK_PIPELINE)
    assert pipeline["trigger"] == "none"
    assert pipeline["pr"] == "none"
    assert [p["name"] for p in pipeline["parameters"]] == ["stack", "action", "gateBranch"]
    assert pipeline["parameters"][1]["values"] == ["preview", "up", "drift"]
    assert {"group": "privilege-secure-entra-${{ parameters.stack }}"} in pipeline["variables"]
    stages = {stage["stage"]: stage for stage in pipeline["stages"]}
    assert stages["Preview"]["condition"] == "eq('${{ parameters.action }}', 'preview')"
    for name, action in (("Deploy", "up"), ("Drift", "drift")):
        assert stages[name]["condition"] == (
            f"and(eq('${{{{ parameters.action }}}}', '{action}'), "
            "eq(variables['Build.SourceBranch'], 'refs/heads/main'))"
        )
        assert stages[name]["dependsOn"] == []
        # `up` and the drift check take the stack environment's Exclusive lock, in order: a
        # drift check never reads a half-applied `up`, and no queued run is cancelled
        assert stages[name]["lockBehavior"] == "sequential"
        (job,) = stages[name]["jobs"]
        assert job["environment"] == "privilege-secure-entra-${{ parameters.stack }}"
    # a stack given by a parameter must be one of the stack files
    for stage in stages.values():
        (job,) = stage["jobs"]
        steps = job.get("steps") or job["strategy"]["runOnce"]["deploy"]["steps"]
        assert steps[1]["script"] == 'python3 -m offline_preview.stacks --require "$STACK"'


@pytest.mark.parametrize("path", [GITHUB_WORKFLOW, AZURE_STACK_PIPELINE], ids=lambda p: p.name)
def test_preview_up_and_drift_refresh_and_use_the_right_pack(path: Path) -> None:
    preview, up, drift = pulumi_commands(path)
    gate = f"--policy-pack $GATE/policies --policy-pack-config {RESOLVED_PACK_CONFIG}"
    own = f"--policy-pack policies --policy-pack-config {RESOLVED_PACK_CONFIG}"
    assert preview.startswith("pulumi preview ")
    assert gate in preview
    assert up.startswith("pulumi up ")
    assert own in up
    assert "--yes" in up
    for command in (preview, up):
        assert "--refresh" in command  # the tenant, not only the state
    # drift: the state against the tenant, without the program, so a rotation the program plans
    # once a window ends is not reported as drift every day until the weekly `up`
    assert drift.split() == [
        "pulumi",
        "refresh",
        "--stack",
        "$STACK",
        "--non-interactive",
        "--diff",
        "--preview-only",
        "--expect-no-changes",
    ]
    for command in (preview, up, drift):
        assert "--stack $STACK" in command
        assert "--non-interactive" in command


def assert_weekly(cron: str) -> None:
    minute, hour, day_of_month, month, day_of_week = cron.split()
    assert minute.isdigit()
    assert hour.isdigit()
    assert (day_of_month, month) == ("*", "*")
    assert day_of_week.isdigit()
    assert 0 <= int(day_of_week) <= 6


# --- pipelines/azure_fan_out.py -----------------------------------------------------------------

azure_fan_out_spec = importlib.util.spec_from_file_location(
    "azure_fan_out", REPOSITORY / "pipelines" / "azure_fan_out.py"
)
assert azure_fan_out_spec is not None
assert azure_fan_out_spec.loader is not None
azure_fan_out = importlib.util.module_from_spec(azure_fan_out_spec)
azure_fan_out_spec.loader.exec_module(azure_fan_out)

FLEET_RUN = {
    "SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/",
    "SYSTEM_TEAMPROJECTID": "project",
    "BUILD_SOURCEBRANCH": "refs/heads/main",
    "BUILD_SOURCEVERSION": "0123abcd",
    "BUILD_REASON": "IndividualCI",
}


@pytest.mark.parametrize(
    ("variables", "action"),
    [
        ({"BUILD_REASON": "PullRequest", "BUILD_SOURCEBRANCH": "refs/pull/7/merge"}, "preview"),
        ({"BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_ISFORK": "True"}, None),
        ({"BUILD_REASON": "IndividualCI"}, "up"),
        ({"BUILD_REASON": "Manual", "BUILD_SOURCEBRANCH": "refs/heads/feature"}, None),
        (
            {"BUILD_REASON": "Schedule", "BUILD_CRONSCHEDULE_DISPLAYNAME": "Daily drift check"},
            "drift",
        ),
        (
            {
                "BUILD_REASON": "Schedule",
                "BUILD_CRONSCHEDULE_DISPLAYNAME": "Weekly pulumi up (client secret rotation)",
            },
            "up",
        ),
    ],
)
def test_the_fan_out_runs_what_the_trigger_means(
    variables: dict[str, str], action: str | None
) -> None:
    assert azure_fan_out.action_for({**FLEET_RUN, **variables}) == action


def test_the_fan_out_queues_each_stack_at_the_same_commit_and_waits_for_all() -> None:
    calls: list[tuple[str, str, Any]] = []
    polls = {"contoso": iter(["inProgress", "completed"]), "dev": iter(["completed"])}
    ids = {"contoso": 11, "dev": 12}

    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        calls.append((method, url, body))
        if method == "POST":
            return {"id": ids[body["templateParameters"]["stack"]]}
        stack = {11: "contoso", 12: "dev"}[int(url.rsplit("/", 1)[1])]
        state = next(polls[stack])
        return {"state": state, "result": "failed" if stack == "contoso" else "succeeded"}

    sleeps: list[float] = []
    results = azure_fan_out.fan_out(
        call, FLEET_RUN, 42, ["contoso", "dev"], "up", poll_seconds=5, sleep=sleeps.append
    )
    assert results == {"contoso": "failed", "dev": "succeeded"}
    posts = [body for method, _, body in calls if method == "POST"]
    assert [post["templateParameters"]["stack"] for post in posts] == ["contoso", "dev"]
    assert all(post["templateParameters"]["action"] == "up" for post in posts)
    assert posts[0]["resources"]["repositories"]["self"] == {
        "refName": "refs/heads/main",
        "version": "0123abcd",
    }
    assert calls[0][1] == "https://dev.azure.com/contoso/project/_apis/pipelines/42/runs"
    assert sleeps == [5]
    assert "| `contoso` | failed |" in azure_fan_out.summary("up", results)


def test_the_fan_out_gives_up_waiting_and_says_so() -> None:
    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        return {"id": 1} if method == "POST" else {"state": "inProgress"}

    results = azure_fan_out.fan_out(
        call, FLEET_RUN, 42, ["dev"], "drift", 10, timeout_seconds=20, sleep=lambda _: None
    )
    assert results == {"dev": "timed out"}


def http_error(code: int, message: str) -> urllib.error.HTTPError:
    body = io.BytesIO(json.dumps({"message": message}).encode())
    return urllib.error.HTTPError("https://dev.azure.com/x", code, "Bad Request", Message(), body)


def test_a_stack_that_cannot_be_queued_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new stack whose variable group does not exist yet: HTTP 400 at queue time."""
    queued: list[str] = []
    polls: Iterator[Exception | None] = iter([http_error(503, "try later"), None])

    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        if "definitions" in url:
            return {"value": [{"name": "privilege-secure-entra-stack", "id": 42}]}
        if method == "POST":
            stack = body["templateParameters"]["stack"]
            if stack == "contoso":
                raise http_error(400, "Variable group privilege-secure-entra-contoso not found")
            queued.append(stack)
            return {"id": 12}
        error = next(polls)
        if error is not None:
            raise error  # a transient error while polling: retried at the next round
        return {"state": "completed", "result": "succeeded"}

    summary_file = tmp_path / "fan-out.md"
    code = azure_fan_out.run_fleet(
        call,
        FLEET_RUN,
        "privilege-secure-entra-stack",
        ["contoso", "dev"],
        "up",
        summary_file,
        sleep=lambda _: None,
    )
    assert code == 1
    assert queued == ["dev"]  # the stack after the failing one is still queued
    table = summary_file.read_text()
    assert (
        "| `contoso` | not queued: HTTP 400: Variable group privilege-secure-entra-contoso "
        "not found |" in table
    )
    assert "| `dev` | succeeded |" in table
    out, err = capsys.readouterr()
    assert "##vso[task.logissue type=error]up of stack contoso: not queued: HTTP 400" in out
    assert "dev:" not in out
    assert err == "error: up failed for stack(s): contoso\n"


def test_a_run_that_cannot_be_read_is_given_up_and_still_summarised(tmp_path: Path) -> None:
    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        if "definitions" in url:
            return {"value": [{"name": "privilege-secure-entra-stack", "id": 42}]}
        if method == "POST":
            return {"id": 7}
        raise urllib.error.URLError("connection reset")

    summary_file = tmp_path / "fan-out.md"
    code = azure_fan_out.run_fleet(
        call,
        FLEET_RUN,
        "privilege-secure-entra-stack",
        ["dev"],
        "drift",
        summary_file,
        sleep=lambda _: None,
    )
    assert code == 1
    assert (
        "| `dev` | unknown: run 7 not readable: URLError: <urlopen error connection reset> |"
        in (summary_file.read_text())
    )


def test_no_stack_pipeline_still_writes_the_summary(tmp_path: Path) -> None:
    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        raise http_error(401, "Access denied: the build service may not read pipelines")

    summary_file = tmp_path / "fan-out.md"
    code = azure_fan_out.run_fleet(
        call, FLEET_RUN, "privilege-secure-entra-stack", ["dev"], "up", summary_file
    )
    assert code == 1
    assert "| `dev` | not queued: HTTP 401: Access denied" in summary_file.read_text()


# --- credentials: OpenID Connect only, least privilege ----------------------------------------


@pytest.mark.parametrize("path", PIPELINES, ids=lambda path: path.name)
def test_no_client_secret_is_used_anywhere(path: Path) -> None:
    text = path.read_text()
    for secret in ("ARM_CLIENT_SECRET", "client-secret", "servicePrincipalKey", "creds:"):
        assert secret not in text


def test_github_jobs_use_oidc_and_least_privilege() -> None:
    workflow = load(GITHUB_WORKFLOW)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        runs_pulumi = any(
            command[0] == "pulumi"
            for step in job["steps"]
            for command in commands(str(step.get("run", "")))
        )
        write = {scope for scope, level in job["permissions"].items() if level == "write"}
        if runs_pulumi:
            assert write == {"id-token"}, name
            assert job["env"]["ARM_USE_OIDC"] == "true"
            assert {"ARM_CLIENT_ID", "ARM_TENANT_ID"} <= set(job["env"])
            login = next(s for s in job["steps"] if s.get("uses", "").startswith("azure/login@"))
            assert set(login["with"]) == {"client-id", "tenant-id", "allow-no-subscriptions"}
            assert "environment" in job
        else:
            assert write <= {"pull-requests"}, name
            assert "id-token" not in job["permissions"], name
            assert "environment" not in job, name
            assert not any("secrets." in str(value) for value in job.get("env", {}).values())
    for job_scripts in (s for _, s in scripts(GITHUB_WORKFLOW, workflow)):
        for script in job_scripts:
            assert "${{" not in script.text, f"{script.step}: pass expressions through env"


def test_every_github_permission_says_why() -> None:
    lines = GITHUB_WORKFLOW.read_text().splitlines()
    granted = [line for line in lines if re.fullmatch(r" {6}[\w-]+: (read|write)\b.*", line)]
    assert len(granted) >= 9
    for line in granted:
        assert re.search(r" # \w+", line), line


def test_github_actions_are_pinned_to_a_full_commit_with_the_release() -> None:
    text = GITHUB_WORKFLOW.read_text()
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert len(uses) >= 13
    pins: dict[str, set[str]] = {}
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.match(r" # v\d+\.\d+\.\d+\b", comment), f"{action}: no release comment"
        name, commit = action.split("@")
        pins.setdefault(name, set()).add(f"{commit}{comment.split()[1]}")
    assert all(len(versions) == 1 for versions in pins.values()), pins


def test_azure_tasks_are_pinned_to_a_major_version() -> None:
    for path in (AZURE_PIPELINE, AZURE_STACK_PIPELINE):
        tasks = re.findall(r"task: (\S+)", path.read_text())
        assert tasks
        assert all(re.fullmatch(r"\w+@\d+", task) for task in tasks), tasks
        documentation = (REPOSITORY / "pipelines" / "README.md").read_text()
        for task in tasks:
            assert f"`{task}`" in documentation, task


def test_azure_stack_runs_get_an_oidc_token_from_their_own_service_connection() -> None:
    pipeline = load(AZURE_STACK_PIPELINE)
    tasks = [
        step
        for _, steps in jobs_with_steps(pipeline)
        for step in steps
        if isinstance(step, dict) and str(step.get("task", "")).startswith("AzureCLI@")
    ]
    assert len(tasks) == 3
    for task in tasks:
        inputs = task["inputs"]
        assert inputs["addSpnToEnvironment"] is True
        assert inputs["scriptType"] == "bash"
        assert 'ARM_OIDC_TOKEN="$idToken"' in inputs["inlineScript"]
        assert "ARM_USE_OIDC=true" in inputs["inlineScript"]
    connections = [task["inputs"]["azureSubscription"] for task in tasks]
    assert connections == [
        "privilege-secure-entra-preview-${{ parameters.stack }}",
        "privilege-secure-entra-deploy-${{ parameters.stack }}",
        "privilege-secure-entra-preview-${{ parameters.stack }}",
    ]
    assert "AzureCLI@" not in AZURE_PIPELINE.read_text()  # the fleet run reaches no tenant


def test_every_secret_variable_and_name_the_pipelines_use_is_documented() -> None:
    documentation = (REPOSITORY / "pipelines" / "README.md").read_text()
    github = re.findall(r"\$\{\{ (?:vars|secrets)\.(\w+) \}\}", GITHUB_WORKFLOW.read_text())
    azure = re.findall(r"\$\(([A-Z_]+)\)", AZURE_STACK_PIPELINE.read_text())
    assert {"AZURE_CLIENT_ID", "PULUMI_ACCESS_TOKEN"} <= set(github)
    assert "PULUMI_ACCESS_TOKEN" in azure
    for name in [*github, *azure]:
        assert f"`{name}`" in documentation, name
    for convention in (
        "`preview-<stack>`",
        "`deploy-<stack>`",
        "`privilege-secure-entra-preview-<stack>`",
        "`privilege-secure-entra-deploy-<stack>`",
        "`privilege-secure-entra-<stack>`",
        "`privilege-secure-entra-stack`",
    ):
        assert convention in documentation, convention


# --- what the READMEs tell an operator -------------------------------------------------------


def adding_a_tenant_steps(text: str, heading: str) -> list[str]:
    """The numbers of the section's first four numbered steps."""
    section = text.split(heading, 1)[1]
    return [match[0] for match in re.findall(r"^(\d)\. (.+)$", section, flags=re.MULTILINE)[:4]]


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        (REPOSITORY / "README.md", "**Adding a tenant"),
        (REPOSITORY / "pipelines" / "README.md", "### Adding a tenant"),
    ],
    ids=["README", "pipelines-README"],
)
def test_adding_a_tenant_starts_with_the_backend_stack_and_ends_with_the_pull_request(
    path: Path, heading: str
) -> None:
    text = path.read_text()
    steps = adding_a_tenant_steps(text, heading)
    assert steps == ["1", "2", "3", "4"]
    section = text.split(heading, 1)[1]
    first_step = section[section.index("1. ") : section.index("2. ")]
    assert "pulumi stack init <org>/privilege-secure-entra/<stack> --secrets-provider" in first_step
    assert "before the pull request" in section[section.index("3. ") : section.index("4. ")]
    assert "by pull request" in section[section.index("4. ") :].split("\n\n")[0]


def test_the_readmes_document_the_drift_check_the_pipelines_run() -> None:
    for path in (REPOSITORY / "README.md", REPOSITORY / "pipelines" / "README.md"):
        text = " ".join(path.read_text().split())
        assert "pulumi refresh --preview-only --expect-no-changes" in text, path
        assert "pulumi preview --refresh --expect-no-changes` per stack" not in text, path


# --- who may change the gate ------------------------------------------------------------------


CODE_OWNERS = REPOSITORY / ".github" / "CODEOWNERS"
GATE_ROOTS = ("policies", "offline_preview")
"""The gate: the policy pack, and the offline preview whose verdict a fork's pull request gets."""
PACKAGES = frozenset(path.name for path in REPOSITORY.iterdir() if (path / "__init__.py").is_file())


def code_owner_patterns() -> list[str]:
    rules = [line.split() for line in CODE_OWNERS.read_text().splitlines()]
    rules = [rule for rule in rules if rule and not rule[0].startswith("#")]
    assert all(len(rule) == 2 and rule[1] == "@your-org/entra-security-reviewers" for rule in rules)
    return [rule[0] for rule in rules]


def code_owned(path: str, patterns: list[str]) -> bool:
    """GitHub's rules for the anchored patterns used here: `/dir/` is a tree, else a glob."""
    return any(
        f"/{path}".startswith(p) if p.endswith("/") else fnmatch.fnmatch(f"/{path}", p)
        for p in patterns
    )


def module_files(name: str) -> list[Path]:
    """The repository files importing ``name`` executes: each package's __init__, the module."""
    parts = name.split(".")
    if parts[0] not in PACKAGES:
        return []  # the standard library or a dependency (pinned by requirements*.txt)
    found: list[Path] = []
    for depth in range(1, len(parts) + 1):
        base = REPOSITORY.joinpath(*parts[:depth])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                found.append(candidate)
    return found


def imported_and_read(source: Path) -> set[Path]:
    """The repository files ``source`` imports, and data files it names (read at run time)."""
    tree = ast.parse(source.read_text())
    package = ".".join(source.relative_to(REPOSITORY).with_suffix("").parts[:-1])
    found: set[Path] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(module_files(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(module_files(base))
            for alias in node.names:  # `from package import module`
                found.update(module_files(f"{base}.{alias.name}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value
            if re.fullmatch(r"[\w./-]+\.(json|md|csv|ya?ml|txt|toml)", name):
                for candidate in (source.parent / name, REPOSITORY / name):
                    if candidate.is_file():
                        found.add(candidate)
    return found


def gate_files() -> set[Path]:
    """Every repository file the gate imports or reads, transitively."""
    todo = [
        path
        for root in GATE_ROOTS
        for path in (REPOSITORY / root).rglob("*.py")
        if "venv" not in path.parts
    ]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix == ".py":
            todo.extend(imported_and_read(path))
    return seen


def test_code_owners_cover_everything_the_gate_imports_or_reads() -> None:
    """A fork's pull request is judged by the offline preview and the pack: code it can edit."""
    patterns = code_owner_patterns()
    files = {str(path.relative_to(REPOSITORY)) for path in gate_files()}
    # the walk finds what the pack really uses (a walk that found nothing could not fail)
    for used in (
        "policies/__main__.py",
        "components/__init__.py",
        "components/settings.py",
        "components/secret_rotation.py",
        "components/microsoft_ids.py",
        "components/manifests.py",
        "offline_preview/verdict.py",
    ):
        assert used in files, used
    assert [path for path in sorted(files) if not code_owned(path, patterns)] == []
    # and what decides the run: dependencies, CI, pipelines, this file, each stack's pack config
    for path in (
        "requirements.txt",
        "requirements-dev.txt",
        "policies/requirements.txt",
        "policies/config.example.json",
        "policies/stacks/contoso.json",
        ".ci/run",
        ".github/workflows/pulumi.yml",
        ".github/CODEOWNERS",
        "pipelines/azure-pipelines.yml",
        "pipelines/azure_fan_out.py",
        "components/graph_permission_ids.md",
        "__main__.py",
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.prod-eu.yaml",
    ):
        assert code_owned(path, patterns), path
    assert not code_owned("README.md", patterns)  # the check can say no
    assert not code_owned("tests/test_program.py", patterns)


def test_code_owners_and_the_azure_path_filters_are_the_same_paths() -> None:
    documentation = (REPOSITORY / "pipelines" / "README.md").read_text()
    filters = re.search(r"path filters `([^`]+)`", documentation.replace("\n", " "))
    assert filters is not None
    azure = [f.strip() for f in filters.group(1).split(";")]
    github = [f"{p}*" if p.endswith("/") else p for p in code_owner_patterns()]
    assert azure == github
    readme = (REPOSITORY / "README.md").read_text()
    assert "@your-org/entra-security-reviewers" in readme
    assert "Require review from Code Owners" in readme


def test_ci_audits_the_workflow_with_a_pinned_zizmor() -> None:
    ci = (REPOSITORY / ".ci" / "run").read_text().splitlines()
    assert "venv/bin/zizmor --offline .github/workflows/" in ci
    requirements = (REPOSITORY / "requirements-dev.txt").read_text()
    assert re.search(r"^zizmor==\d+\.\d+\.\d+ ", requirements, flags=re.MULTILINE)
    checked = {word for line in ci if "check-jsonschema" in line for word in line.split()}
    for path in PIPELINES:
        assert str(path.relative_to(REPOSITORY)) in checked, path
