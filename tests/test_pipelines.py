"""The pipelines run only what this repository has, and do what the README promises.

Both `.github/workflows/pulumi.yml` and `pipelines/azure-pipelines.yml` are parsed; every shell
script (`run:`, `script:`, `bash:`, `inlineScript:`) and every `pulumi/actions` step with a
`command` is split into commands, and each command that names something of this repository is
checked: files (`pip install -r`, `--policy-pack-config`), directories (`--policy-pack`), stacks
(`--stack` names a `Pulumi.<stack>.yaml`), modules run with `python -m` (a repository package needs
`__main__.py`, anything else must be importable) and every `python -m offline_preview` flag (parsed
by its own argparse parser). A command the checker does not know fails the test, so a new tool in
a pipeline has to be classified here first.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline_preview.cli import parser as offline_preview_parser
from tests.test_readme import fenced_commands

REPOSITORY = Path(__file__).resolve().parent.parent
GITHUB_WORKFLOW = REPOSITORY / ".github" / "workflows" / "pulumi.yml"
AZURE_PIPELINE = REPOSITORY / "pipelines" / "azure-pipelines.yml"
PIPELINES = [GITHUB_WORKFLOW, AZURE_PIPELINE]
README_TEST_COMMAND = fenced_commands()[1]
"""The README's test command, read from the README (tests/test_readme.py pins which block)."""

# Commands that are not this repository's: shell builtins and tools of the build image.
EXTERNAL_COMMANDS = frozenset(
    {"[", "cat", "cd", "curl", "echo", "exit", "export", "git", "rm", "sh", "true"}
)
SHELL_KEYWORDS = frozenset({"!", "if", "then", "else", "elif", "fi", "{", "}", "do", "done"})
SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")"})
# Where a pipeline's checkout lives; a command path under it is a repository path.
WORKSPACE_PREFIXES = ("$GITHUB_WORKSPACE/", "$BUILD_SOURCESDIRECTORY/")
# Files a script writes before it reads them (the offline preview's plans and comment).
PRODUCED_FILES = frozenset({"base.json", "preview.md", "preview.err"})

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
        if re.fullmatch(r"python(3(\.\d+)?)?", name):
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
            self.virtualenvs.add(rest[-1])
        # A directory of the repository, not one a run leaves behind (./venv is ignored by git).
        if package.is_dir() and not (package / "pyvenv.cfg").exists():
            if not (REPOSITORY / module.replace(".", "/") / "__main__.py").is_file():
                yield f"python -m {module}: the repository package has no __main__.py"
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
        for flag, value in itertools.pairwise(arguments):
            if flag in ("--stack", "-s"):
                yield from self.check_stack(value)
            elif flag == "--policy-pack":
                if not (REPOSITORY / value / "PulumiPolicy.yaml").is_file():
                    yield f"--policy-pack {value}: no PulumiPolicy.yaml there"
            elif flag == "--policy-pack-config":
                yield from self.check_file(value)
                if (REPOSITORY / value).is_file():
                    json.loads((REPOSITORY / value).read_text())

    def check_stack(self, stack: str) -> Iterator[str]:
        if not (REPOSITORY / f"Pulumi.{stack}.yaml").is_file():
            yield f"stack {stack!r}: no Pulumi.{stack}.yaml"

    def check_file(self, path: str) -> Iterator[str]:
        if not (REPOSITORY / path).is_file():
            yield f"{path}: no such file in the repository"

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


@pytest.mark.parametrize("path", PIPELINES, ids=lambda path: path.name)
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
        ("python3 -m bench", "has no __main__.py"),
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


def test_github_pull_requests_get_the_markdown_preview_compared_to_the_base_branch() -> None:
    workflow = load(GITHUB_WORKFLOW)
    assert "pull_request" in github_triggers(workflow)
    test = workflow["jobs"]["test"]
    assert test["steps"][0]["with"]["fetch-depth"] == 0
    commands_run = all_commands(GITHUB_WORKFLOW)
    assert any("-m offline_preview" in c and "--format json" in c for c in commands_run)
    assert any(
        "-m offline_preview" in c and "--format markdown --compare-to base.json" in c
        for c in commands_run
    )
    comment = workflow["jobs"]["comment"]
    # posted even when the preview found a mandatory violation and failed the test job
    assert comment["needs"] == "test"
    assert comment["if"].startswith("always()")
    assert comment["permissions"] == {"pull-requests": "write"}
    post = comment["steps"][-1]
    assert post["uses"].startswith("marocchino/sticky-pull-request-comment@")
    assert post["with"]["path"] == "preview.md"


def test_azure_pull_requests_get_the_markdown_preview_compared_to_the_target_branch() -> None:
    pipeline = load(AZURE_PIPELINE)
    assert pipeline["pr"]["branches"]["include"] == ["main"]
    commands_run = all_commands(AZURE_PIPELINE)
    assert any(
        "-m offline_preview" in c and "--format markdown --compare-to base.json" in c
        for c in commands_run
    )
    test_steps = pipeline["stages"][0]["jobs"][0]["steps"]
    assert test_steps[0]["fetchDepth"] == "0"
    comment = next(step for step in test_steps if "pullRequests" in step.get("script", ""))
    assert "PullRequest" in comment["condition"]
    assert comment["env"] == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
    # the job fails on a violation only after the comment was posted
    assert test_steps[-1]["script"] == 'exit "$PREVIEW_STATUS"'


@pytest.mark.parametrize("path", PIPELINES, ids=lambda path: path.name)
def test_pulumi_preview_and_up_run_with_the_policy_pack(path: Path) -> None:
    pulumi = [c for c in all_commands(path) if c.startswith("pulumi ")]
    gate = "--policy-pack policies --policy-pack-config policies/config.example.json"
    assert [c.split()[1] for c in pulumi] == ["preview", "up"]
    assert all(gate in c and "--stack $STACK" in c for c in pulumi)
    assert "--yes" in pulumi[1]


def test_github_previews_pull_requests_and_deploys_main_weekly() -> None:
    workflow = load(GITHUB_WORKFLOW)
    triggers = github_triggers(workflow)
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers
    (schedule,) = triggers["schedule"]
    assert_weekly(schedule["cron"])
    preview, up = workflow["jobs"]["preview"], workflow["jobs"]["up"]
    assert "github.event_name == 'pull_request'" in preview["if"]
    assert up["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    assert up["environment"] == "production"
    assert up["concurrency"]["cancel-in-progress"] is False
    assert workflow["env"]["STACK"] in up["concurrency"]["group"]
    assert (REPOSITORY / f"Pulumi.{workflow['env']['STACK']}.yaml").is_file()


def test_azure_previews_pull_requests_and_deploys_main_weekly() -> None:
    pipeline = load(AZURE_PIPELINE)
    assert pipeline["trigger"]["branches"]["include"] == ["main"]
    (schedule,) = pipeline["schedules"]
    assert_weekly(schedule["cron"])
    assert schedule["always"] == "true"  # rotation depends on the date, not on new commits
    assert schedule["branches"]["include"] == ["main"]
    stages = {stage["stage"]: stage for stage in pipeline["stages"]}
    assert "eq(variables['Build.Reason'], 'PullRequest')" in stages["Preview"]["condition"]
    deploy = stages["Deploy"]
    assert "ne(variables['Build.Reason'], 'PullRequest')" in deploy["condition"]
    assert "eq(variables['Build.SourceBranch'], 'refs/heads/main')" in deploy["condition"]
    assert deploy["lockBehavior"] == "sequential"
    (up,) = deploy["jobs"]
    assert up["environment"] == "production"
    assert pipeline_variables(pipeline)["STACK"] == load(GITHUB_WORKFLOW)["env"]["STACK"]


def assert_weekly(cron: str) -> None:
    minute, hour, day_of_month, month, day_of_week = cron.split()
    assert minute.isdigit()
    assert hour.isdigit()
    assert (day_of_month, month) == ("*", "*")
    assert day_of_week.isdigit()
    assert 0 <= int(day_of_week) <= 6


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
            "pulumi " in str(step.get("run", "")) for step in job["steps"] if isinstance(step, dict)
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
    for job_scripts in (s for _, s in scripts(GITHUB_WORKFLOW, workflow)):
        for script in job_scripts:
            assert "${{" not in script.text, f"{script.step}: pass expressions through env"


def test_github_actions_are_pinned_to_a_version() -> None:
    text = GITHUB_WORKFLOW.read_text()
    uses = re.findall(r"uses: (\S+)", text)
    assert uses
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", action) for action in uses), uses


def test_azure_deployments_get_an_oidc_token_from_their_service_connection() -> None:
    pipeline = load(AZURE_PIPELINE)
    tasks = [
        step
        for _, steps in jobs_with_steps(pipeline)
        for step in steps
        if isinstance(step, dict) and str(step.get("task", "")).startswith("AzureCLI@")
    ]
    assert len(tasks) == 2
    for task in tasks:
        inputs = task["inputs"]
        assert inputs["addSpnToEnvironment"] is True
        assert inputs["scriptType"] == "bash"
        assert 'ARM_OIDC_TOKEN="$idToken"' in inputs["inlineScript"]
        assert "ARM_USE_OIDC=true" in inputs["inlineScript"]
    connections = [task["inputs"]["azureSubscription"] for task in tasks]
    assert connections == [
        "${{ variables.previewServiceConnection }}",
        "${{ variables.deployServiceConnection }}",
    ]
    variables = pipeline_variables(pipeline)
    assert variables["previewServiceConnection"] != variables["deployServiceConnection"]


def test_every_secret_and_variable_the_pipelines_read_is_documented() -> None:
    documentation = (REPOSITORY / "pipelines" / "README.md").read_text()
    github = re.findall(r"\$\{\{ (?:vars|secrets)\.(\w+) \}\}", GITHUB_WORKFLOW.read_text())
    azure = re.findall(r"\$\(([A-Z_]+)\)", AZURE_PIPELINE.read_text())
    assert {"AZURE_CLIENT_ID", "PULUMI_ACCESS_TOKEN"} <= set(github)
    assert "PULUMI_ACCESS_TOKEN" in azure
    for name in [*github, *azure]:
        assert f"`{name}`" in documentation, name
    variables = pipeline_variables(load(AZURE_PIPELINE))
    for connection in ("previewServiceConnection", "deployServiceConnection"):
        assert f"`{variables[connection]}`" in documentation
    assert "group: privilege-secure-entra\n" in AZURE_PIPELINE.read_text()
    assert "`privilege-secure-entra`" in documentation
