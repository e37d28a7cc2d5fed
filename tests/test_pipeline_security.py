"""The pipelines' credentials and supply chain: OpenID Connect only, least privilege, every
action pinned to a commit, every secret variable documented, the workflow audited by zizmor.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pipeline_files import (
    AZURE_PIPELINE,
    AZURE_STACK_PIPELINE,
    GITHUB_WORKFLOW,
    PIPELINES,
    REPOSITORY,
    STEPS,
    called_script,
    job_scripts,
    jobs_with_steps,
    load,
    shell_steps,
)

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


def test_the_deploy_job_previews_offline_before_any_credential_is_there() -> None:
    """The offline preview runs this repository's code and the pack before `pulumi up`: it gets
    neither the Azure login nor the backend's secrets, which only the `pulumi up` step has."""
    github = load(GITHUB_WORKFLOW)["jobs"]["up"]
    assert not any("secrets." in str(value) for value in github["env"].values())
    steps = [str(step.get("run") or step.get("uses")) for step in github["steps"]]
    preview = steps.index("pipelines/steps/stack-offline-preview.sh")
    login = next(i for i, step in enumerate(steps) if step.startswith("azure/login@"))
    assert preview < login
    (up,) = [step for step in github["steps"] if step.get("run") == "pipelines/steps/pulumi-up.sh"]
    assert set(up["env"]) == {"PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"}
    # Azure DevOps maps secrets per step: the offline preview's step gets none
    azure = next(job for name, job in jobs_with_steps(load(AZURE_STACK_PIPELINE)) if name == "Up")
    for step in azure:
        if step.get("script") == "pipelines/steps/stack-offline-preview.sh":
            assert "env" not in step
            break
        assert not str(step.get("task", "")).startswith("AzureCLI@"), "no Azure login before it"
    else:
        raise AssertionError("the Up stage runs no offline preview")


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


def test_ci_audits_the_workflow_with_a_pinned_zizmor() -> None:
    ci = (REPOSITORY / ".ci" / "run").read_text().splitlines()
    assert "venv/bin/zizmor --offline .github/workflows/" in ci
    requirements = (REPOSITORY / "requirements-dev.txt").read_text()
    assert re.search(r"^zizmor==\d+\.\d+\.\d+ ", requirements, flags=re.MULTILINE)
    checked = {word for line in ci if "check-jsonschema" in line for word in line.split()}
    for path in PIPELINES:
        assert str(path.relative_to(REPOSITORY)) in checked, path
