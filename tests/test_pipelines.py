"""The pipelines call this repository's step scripts, and do what the READMEs promise.

Every shell step of `.github/workflows/pulumi.yml`, `pipelines/azure-pipelines.yml` (the fleet)
and `pipelines/azure-pipelines-stack.yml` (one stack's run) is one call of a script of this
repository: `pipelines/steps/` (shell; what both pipelines do, tested by
`tests/test_pipeline_steps.py`) or a Python module of it. A job that checks nothing out (the
sticky comment, the verdict) runs no repository code and keeps its one-line shell.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pipelines import azure_fan_out
from tests.pipeline_files import (
    AZURE_PIPELINE,
    AZURE_STACK_PIPELINE,
    FLEET_PIPELINES,
    GITHUB_WORKFLOW,
    PIPELINES,
    README_TEST_COMMAND,
    STEPS,
    called_script,
    github_triggers,
    job_scripts,
    load,
    shell_steps,
)

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
    # `up` runs the program in a virtualenv of requirements.txt only, the offline preview apart
    for path, job in ((GITHUB_WORKFLOW, "up"), (AZURE_STACK_PIPELINE, "Up")):
        calls = [s for name, _, s in shell_steps(path) if name == job and "virtualenvs.sh" in s]
        assert calls == ["pipelines/steps/virtualenvs.sh deploy policies"], path.name


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
