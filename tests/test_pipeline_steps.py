"""The pipelines' step scripts (pipelines/steps/), run as both pipelines run them: with fake
`python` and `pulumi` commands on the PATH, as GitHub Actions and as Azure Pipelines. What the
two pipelines do is these scripts; tests/test_pipelines.py checks every step calls one."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from offline_preview.stacks import policy_pack_config

REPOSITORY = Path(__file__).resolve().parent.parent
STEPS = REPOSITORY / "pipelines" / "steps"
OFFLINE_PREVIEW_STEP = "pipelines/steps/offline-preview.sh"
GITHUB = {"GITHUB_ACTIONS": "true"}
AZURE = {"TF_BUILD": "True"}
PLATFORMS = {"github": GITHUB, "azure": AZURE}


def run_step(
    tmp_path: Path, script: str, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run pipelines/steps/SCRIPT in tmp_path with tmp_path/bin first on the PATH."""
    environment = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", **(env or {})}
    if "GITHUB_ACTIONS" in environment:
        environment.setdefault("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
        environment.setdefault("GITHUB_OUTPUT", str(tmp_path / "output.txt"))
    return subprocess.run(
        [str(STEPS / script), *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
    )


def fake(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


RECORDING_PULUMI = 'echo "$@" >> "$PWD/pulumi.calls"\nexit "${PULUMI_CODE:-0}"'
"""A `pulumi` that records its arguments and exits PULUMI_CODE."""


# --- pipelines/steps/offline-preview.sh: a crash is not a verdict, a comment is never empty ---


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


# --- a stack's own offline preview before its `up` --------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(("code", "stops"), [(0, False), (1, True), (2, False), (3, False)])
def test_a_stack_s_own_offline_preview_stops_its_up_only_on_a_violation(
    tmp_path: Path, code: int, stops: bool, platform: str
) -> None:
    """A violation is a verdict; exit 2 or 3 (a `secure:` owners list it cannot decrypt) is not,
    and `pulumi up` checks the config and runs the pack itself: a warning, never a block."""
    fake(
        tmp_path / ".venv-preview" / "bin" / "python",
        f'echo "### preview (bytecode off: $PYTHONDONTWRITEBYTECODE)"\nexit {code}',
    )
    run = run_step(
        tmp_path, "stack-offline-preview.sh", env={**PLATFORMS[platform], "STACK": "contoso"}
    )
    assert (run.returncode != 0) is stops
    warned = "No offline verdict for stack contoso" in run.stdout
    assert warned is (code in (2, 3))
    if platform == "github":
        assert "### preview (bytecode off: 1)" in (tmp_path / "summary.md").read_text()
        if warned:
            assert run.stdout.startswith("::warning title=No offline verdict for stack contoso::")
    else:
        assert f"##vso[task.uploadsummary]{tmp_path}/preview.md" in run.stdout
        if warned:
            assert "##vso[task.logissue type=warning]No offline verdict" in run.stdout


# --- each stack's pack config, as the offline preview resolves it -----------------------------


@pytest.mark.parametrize("stack", ["contoso", "dev"])
def test_the_pack_config_is_resolved_as_the_offline_preview_does(
    tmp_path: Path, stack: str
) -> None:
    policies = tmp_path / "policies"
    (policies / "stacks").mkdir(parents=True)
    (policies / "config.example.json").write_text("{}")
    (policies / "stacks" / "contoso.json").write_text("{}")
    run = run_step(tmp_path, "pack-config.sh", str(policies), stack)
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.strip()) == policy_pack_config(policies, stack)
    # the fallback pins no principal: said, on stderr (stdout is the path)
    warned = f"No pack config of its own for stack {stack}" in run.stderr
    assert warned is (stack == "dev")


# --- pulumi preview, up and the drift check ---------------------------------------------------


def pulumi_call(tmp_path: Path, script: str, env: Mapping[str, str]) -> list[str]:
    fake(tmp_path / "bin" / "pulumi", RECORDING_PULUMI)
    for root in (tmp_path, tmp_path / "gate"):
        (root / "policies" / "stacks").mkdir(parents=True, exist_ok=True)
        (root / "policies" / "config.example.json").write_text("{}")
    (tmp_path / "gate" / "policies" / "stacks" / "contoso.json").write_text("{}")
    run = run_step(tmp_path, script, env={"STACK": "contoso", **env})
    assert run.returncode == int(env.get("PULUMI_CODE", "0")), run.stderr
    (call,) = (tmp_path / "pulumi.calls").read_text().splitlines()
    return call.split()


def test_preview_refreshes_with_the_gate_s_pack_and_the_stack_s_config(tmp_path: Path) -> None:
    gate = str(tmp_path / "gate")
    call = pulumi_call(tmp_path, "pulumi-preview.sh", {**GITHUB, "GATE": gate})
    assert call == [
        "preview",
        "--stack",
        "contoso",
        "--non-interactive",
        "--diff",
        "--refresh",  # the tenant, not only the state
        "--policy-pack",
        f"{gate}/policies",
        "--policy-pack-config",
        f"{gate}/policies/stacks/contoso.json",
    ]


def test_up_refreshes_with_the_own_pack_and_the_stack_s_config(tmp_path: Path) -> None:
    call = pulumi_call(tmp_path, "pulumi-up.sh", GITHUB)
    assert call == [
        "up",
        "--stack",
        "contoso",
        "--yes",
        "--non-interactive",
        "--refresh",
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        "policies/config.example.json",  # contoso has no stacks/contoso.json here
    ]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_drift_compares_the_state_with_the_tenant_and_fails_loudly(
    tmp_path: Path, platform: str
) -> None:
    """The state against the tenant, without the program, so a rotation the program plans once
    a window ends is not reported as drift every day until the weekly `up`."""
    call = pulumi_call(tmp_path, "drift.sh", {**PLATFORMS[platform], "PULUMI_CODE": "1"})
    assert call == [
        "refresh",
        "--stack",
        "contoso",
        "--non-interactive",
        "--diff",
        "--preview-only",
        "--expect-no-changes",
    ]
    assert "### Drift in stack `contoso` (exit code 1)" in (tmp_path / "drift.md").read_text()


def test_an_azure_step_hands_the_service_connection_s_oidc_token_to_the_provider(
    tmp_path: Path,
) -> None:
    fake(tmp_path / "bin" / "pulumi", 'env | grep ^ARM_ | sort > "$PWD/arm.env"')
    connection = {"servicePrincipalId": "client", "tenantId": "tenant", "idToken": "token"}
    run = run_step(tmp_path, "pulumi-up.sh", env={**AZURE, **connection, "STACK": "dev"})
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "arm.env").read_text().splitlines() == [
        "ARM_CLIENT_ID=client",
        "ARM_OIDC_TOKEN=token",
        "ARM_TENANT_ID=tenant",
        "ARM_USE_OIDC=true",
    ]


# --- the fleet's offline preview ----------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_fleet_preview_outside_a_pull_request_is_judged_by_its_own_pack(
    tmp_path: Path, platform: str
) -> None:
    fake(tmp_path / "venv" / "bin" / "python", 'echo "$@" > "$PWD/python.args"\necho table')
    run = run_step(tmp_path, "fleet-offline-preview.sh", env=PLATFORMS[platform])
    assert run.returncode == 0, run.stderr
    args = (tmp_path / "python.args").read_text().split()
    assert args == [
        "-m",
        "offline_preview",
        "--all-stacks",
        "--policy-pack",
        f"{tmp_path}/policies",
        "--format",
        "markdown",
    ]
    if platform == "github":
        assert (tmp_path / "output.txt").read_text() == "previewStatus=0\n"
    else:
        assert "##vso[task.setvariable variable=previewStatus]0" in run.stdout
    failed = run_step(tmp_path, "fail-on-preview-status.sh")
    assert failed.returncode == 0
    (tmp_path / "preview.status").write_text("1\n")
    assert run_step(tmp_path, "fail-on-preview-status.sh").returncode == 1


def test_the_step_scripts_are_executable_and_strict() -> None:
    for script in STEPS.glob("*.sh"):
        text = script.read_text()
        if script.name == "ci.sh":
            assert not os.access(script, os.X_OK)  # sourced, never run
            continue
        assert os.access(script, os.X_OK), script.name
        assert text.startswith("#!/usr/bin/env bash\n"), script.name
        assert "set -euo pipefail" in text or "set -uo pipefail" in text, script.name
