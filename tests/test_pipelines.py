"""The pipelines call this repository's step scripts, and do what the READMEs promise.

Every shell step of `.github/workflows/pulumi.yml`, `pipelines/azure-pipelines.yml` (the fleet)
and `pipelines/azure-pipelines-stack.yml` (one stack's run) is one call of a script of this
repository: `pipelines/steps/` (shell; what both pipelines do, tested by
`tests/test_pipeline_steps.py`) or a Python module of it. A job that checks nothing out (the
sticky comment, the verdict) runs no repository code and keeps its one-line shell.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import io
import json
import os
import re
import subprocess
import urllib.error
from collections.abc import Iterator, Mapping
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
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


# --- every step is a script of this repository ------------------------------------------------


@pytest.mark.parametrize("path", PIPELINES, ids=lambda path: path.name)
def test_every_step_calls_a_script_that_exists(path: Path) -> None:
    called = 0
    for job, checked_out, shell in shell_steps(path):
        if not checked_out:
            assert "pipelines/" not in shell, f"{job}: no checkout, so no repository script"
            continue
        assert "\n" not in shell, f"{job}: one call of a script, not a script: {shell}"
        script = called_script(shell)
        assert script.is_file(), f"{job}: {shell}: no such file"
        if script.suffix == ".sh":
            assert os.access(script, os.X_OK), script
        called += 1
    assert called >= 4


def test_the_check_knows_a_missing_script_and_a_module() -> None:
    assert not called_script("pipelines/steps/deploy.sh").is_file()
    assert called_script("python3 -m offline_preview.stacks --require x").is_file()
    assert called_script("python3 -m pipelines.azure_fan_out --summary x").is_file()
    assert called_script("venv/bin/python pipelines/steps/azure_pr_comment.py").is_file()


def test_every_step_script_is_called_by_a_pipeline_or_another_step() -> None:
    called = {called_script(shell).name for path in PIPELINES for _, _, shell in shell_steps(path)}
    sourced_or_called = {"ci.sh", "offline-preview.sh", "pack-config.sh", "virtualenvs.sh"}
    for script in STEPS.iterdir():
        if script.suffix in (".sh", ".py"):
            assert script.name in called | sourced_or_called, script.name


@pytest.mark.parametrize("path", FLEET_PIPELINES, ids=lambda path: path.name)
def test_the_pipeline_runs_the_readme_test_command_verbatim(path: Path) -> None:
    assert "test.sh" in [called_script(shell).name for _, _, shell in shell_steps(path)]
    assert README_TEST_COMMAND in (STEPS / "test.sh").read_text().splitlines()


# --- what the pipelines promise ---------------------------------------------------------------


def test_github_pull_requests_get_the_fleet_preview_compared_to_the_base_branch() -> None:
    workflow = load(GITHUB_WORKFLOW)
    assert "pull_request" in github_triggers(workflow)
    job = workflow["jobs"]["offline-preview"]
    assert job["steps"][0]["with"]["fetch-depth"] == 0  # the base branch too
    assert job_scripts(GITHUB_WORKFLOW, "offline-preview") == [
        "virtualenvs.sh",
        "fleet-offline-preview.sh",
        "fail-on-preview-status.sh",
    ]
    (preview,) = [step for step in job["steps"] if step.get("id") == "preview"]
    assert preview["run"] == "pipelines/steps/fleet-offline-preview.sh"
    assert job["outputs"]["preview-status"] == "${{ steps.preview.outputs.previewStatus }}"
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
    stages = {stage["stage"]: stage for stage in pipeline["stages"]}
    steps = stages["OfflinePreview"]["jobs"][0]["steps"]
    assert steps[0]["fetchDepth"] == "0"
    assert job_scripts(AZURE_PIPELINE, "OfflinePreview") == [
        "virtualenvs.sh",
        "fleet-offline-preview.sh",
        "azure_pr_comment.py",
        "fail-on-preview-status.sh",
    ]
    comment = next(s for s in steps if "azure_pr_comment.py" in s.get("script", ""))
    assert "PullRequest" in comment["condition"]
    assert comment["env"] == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
    poster = (STEPS / "azure_pr_comment.py").read_text()
    assert 'raise SystemExit("preview.md is empty: no comment posted")' in poster


# --- each stack on its own: a matrix from the stack files, its own credentials ----------------


def test_github_runs_each_stack_from_the_stack_files() -> None:
    workflow = load(GITHUB_WORKFLOW)
    jobs = workflow["jobs"]
    (list_step,) = [step for step in jobs["stacks"]["steps"] if step.get("id") == "list"]
    assert list_step["run"].split() == ["pipelines/steps/list-stacks.sh", "github"]
    assert jobs["stacks"]["outputs"]["stacks"] == "${{ steps.list.outputs.stacks }}"
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


def assert_weekly(cron: str) -> None:
    minute, hour, day_of_month, month, day_of_week = cron.split()
    assert minute.isdigit()
    assert hour.isdigit()
    assert (day_of_month, month) == ("*", "*")
    assert day_of_week.isdigit()
    assert 0 <= int(day_of_week) <= 6


def test_github_up_of_a_stack_never_waits_for_the_whole_fleet_to_be_green() -> None:
    jobs = load(GITHUB_WORKFLOW)["jobs"]
    # the tests (the program deployed) and the stack list; not the fleet's offline preview,
    # which fails when ANY stack violates a policy or has a broken stack file
    assert jobs["up"]["needs"] == ["stacks", "test"]
    assert "if" not in jobs["test"]  # so a skipped fleet job cannot skip `up` either
    assert job_scripts(GITHUB_WORKFLOW, "test") == ["test.sh"]
    # each stack gates itself: its own offline preview, then `pulumi up` with the pack
    assert job_scripts(GITHUB_WORKFLOW, "up") == [
        "virtualenvs.sh",
        "stack-offline-preview.sh",
        "pulumi-up.sh",
    ]


def test_azure_up_of_a_stack_never_waits_for_the_whole_fleet_to_be_green() -> None:
    stages = {stage["stage"]: stage for stage in load(AZURE_PIPELINE)["stages"]}
    assert stages["FanOut"]["dependsOn"] == "Test"
    assert job_scripts(AZURE_PIPELINE, "Test") == ["test.sh"]
    assert stages["OfflinePreview"]["dependsOn"] == []
    assert job_scripts(AZURE_STACK_PIPELINE, "Up") == [
        "require-stack.sh",
        "install-pulumi.sh",
        "virtualenvs.sh",
        "stack-offline-preview.sh",
        "pulumi-up.sh",
    ]


def test_preview_up_and_drift_run_the_shared_steps_in_both_pipelines() -> None:
    github = {job: job_scripts(GITHUB_WORKFLOW, job) for job in ("preview", "up", "drift")}
    assert github == {
        "preview": ["virtualenvs.sh", "pulumi-preview.sh"],
        "up": ["virtualenvs.sh", "stack-offline-preview.sh", "pulumi-up.sh"],
        "drift": ["virtualenvs.sh", "drift.sh"],
    }
    azure = {job: job_scripts(AZURE_STACK_PIPELINE, job) for job in ("Preview", "Up", "Drift")}
    assert azure["Preview"][-2:] == ["azure-gate.sh", "pulumi-preview.sh"]
    assert azure["Up"][-2:] == ["stack-offline-preview.sh", "pulumi-up.sh"]
    assert azure["Drift"][-2:] == ["virtualenvs.sh", "drift.sh"]
    # GitHub's gate is a second checkout (the base branch) whose pack gets its own virtualenv
    (venvs,) = [
        s
        for _, _, s in shell_steps(GITHUB_WORKFLOW)
        if s.startswith("pipelines/steps/virtualenvs.sh program ")
    ]
    assert venvs == 'pipelines/steps/virtualenvs.sh program "$GATE/policies"'


def test_azure_fans_out_one_run_per_stack_file() -> None:
    fleet = load(AZURE_PIPELINE)
    fan_out = next(stage for stage in fleet["stages"] if stage["stage"] == "FanOut")
    assert "ne(variables['System.PullRequest.IsFork'], 'True')" in fan_out["condition"]
    (job,) = fan_out["jobs"]
    step = job["steps"][-1]
    assert step["script"] == (
        "python3 -m pipelines.azure_fan_out --pipeline privilege-secure-entra-stack "
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
        assert steps[1]["script"] == "pipelines/steps/require-stack.sh"
    assert (
        'python3 -m offline_preview.stacks --require "$STACK"'
        in (STEPS / "require-stack.sh").read_text()
    )


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
        runs_pulumi = bool(
            {"pulumi-preview.sh", "pulumi-up.sh", "drift.sh"}
            & set(job_scripts(GITHUB_WORKFLOW, name))
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
    for job, _, shell in shell_steps(GITHUB_WORKFLOW):
        assert "${{" not in shell, f"{job}: pass expressions through env"


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
        # the step script sources ci.sh, which hands the connection's OIDC token to the provider
        assert 'source "$(dirname "$0")/ci.sh"' in called_script(inputs["inlineScript"]).read_text()
    handover = (STEPS / "ci.sh").read_text()
    assert 'ARM_OIDC_TOKEN="$idToken"' in handover
    assert "ARM_USE_OIDC=true" in handover
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
IMPORT_ROOTS = (REPOSITORY, REPOSITORY / "policies")
"""Where the repository's packages import from: the root, and the pack's folder (its own root)."""
PACKAGES = {
    path.name: root
    for root in IMPORT_ROOTS
    for path in root.iterdir()
    if (path / "__init__.py").is_file()
}


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
        base = PACKAGES[parts[0]].joinpath(*parts[:depth])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                found.append(candidate)
    return found


def imported_and_read(source: Path) -> set[Path]:
    """The repository files ``source`` imports, and data files it names (read at run time)."""
    tree = ast.parse(source.read_text())
    root = max((r for r in IMPORT_ROOTS if source.is_relative_to(r)), key=lambda r: len(r.parts))
    package = ".".join(source.relative_to(root).with_suffix("").parts[:-1])
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
        "policies/src/entra_vocabulary/microsoft_ids.py",
        "policies/src/entra_vocabulary/manifests.py",
        "offline_preview/verdict.py",
        "mock_engine/engine.py",
        "policies/src/entra_guard/guardrails.py",
    ):
        assert used in files, used
    assert [path for path in sorted(files) if not code_owned(path, patterns)] == []
    # and what decides the run: dependencies, CI, pipelines, this file, each stack's pack config
    for path in (
        "requirements.txt",
        "requirements-dev.txt",
        "requirements-runtime.txt",
        "pyproject.toml",
        "policies/pyproject.toml",
        "policies/requirements.txt",
        "policies/config.example.json",
        "policies/stacks/contoso.json",
        ".ci/run",
        ".github/workflows/pulumi.yml",
        ".github/CODEOWNERS",
        "pipelines/azure-pipelines.yml",
        "pipelines/azure_fan_out.py",
        "policies/src/entra_vocabulary/graph_permission_ids.md",
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
