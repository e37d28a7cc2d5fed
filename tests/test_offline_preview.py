"""`python -m offline_preview`: what a stack grants, the pack's verdict, exit codes, no secrets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from mock_engine.engine import (
    REPOSITORY,
    SECURE_PLACEHOLDER,
    StackConfig,
    fake_client_secret,
    fake_guid,
    read_stack_config_file,
    run_program,
)
from offline_preview.cli import EXIT_CRASH, main
from offline_preview.plan import build_plan
from offline_preview.render import render
from tests.conftest import NOW

SECRETS = [fake_client_secret(f"privilege-secure-client-secret-{slot}") for slot in "ab"]
SCHEMA = json.loads((REPOSITORY / "offline_preview" / "plan.schema.json").read_text())


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_dev_stack_passes_and_says_what_it_grants(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = preview(capsys)
    assert code == 0
    assert err == ""
    assert (
        "AppRoleAssignment → Microsoft Graph / RoleManagement.ReadWrite.Directory "
        "(9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8)" in out
    )
    assert "DirectoryRoleAssignment → User Administrator (fe930be7-" in out
    assert "DelegatedPermissionGrant → Microsoft Graph / User.Read, tenant-wide" in out
    assert "client secret, newest: expires 2027-03-03T00:00:00Z" in out
    assert "Policy pack privilege-secure-entra-guard: PASS, 0 mandatory violation(s)" in out


def test_global_administrator_without_approval_fails_and_names_the_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = preview(capsys, "--config", "manageGlobalAdministrators=true")
    assert code == 1
    assert (
        "[mandatory] directory-role-allowlist (privilege-secure-role-global-administrator)" in out
    )
    assert "FAIL, 1 mandatory violation(s)" in out


def test_approved_global_administrator_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack_config = tmp_path / "pack.json"
    pack_config.write_text(
        json.dumps({"directory-role-allowlist": {"allowGlobalAdministrator": True}})
    )
    code, out, _ = preview(
        capsys,
        "--config",
        "privilege-secure-entra:manageGlobalAdministrators=true",
        "--policy-pack-config",
        str(pack_config),
    )
    assert code == 0
    assert "DirectoryRoleAssignment → Global Administrator (62e90394-" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--config", "secretLifetimeDays=0"],
            "error: privilege-secure-entra:secretLifetimeDays: got '0'; allowed: a whole number "
            "of days from 1 to 365 (the policy pack's client-secret-expiry maxLifetimeDays)\n",
        ),
        (
            ["--config", "secretLifeTimeDays=30"],
            "error: privilege-secure-entra:secretLifeTimeDays: unknown config key; did you mean "
            "secretLifetimeDays?",
        ),
        (["--stack", "prod"], "error: --stack prod: no Pulumi.prod.yaml"),
        (["--config", "displayName"], "error: --config 'displayName': expected KEY=VALUE\n"),
        (["--compare-to", "/nonexistent.json"], "error: --compare-to /nonexistent.json: "),
        (["--policy-pack", "components"], "error: --policy-pack components: no PulumiPolicy.yaml"),
    ],
)
def test_invalid_config_or_usage_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = preview(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_an_unknown_policy_in_the_pack_config_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack_config = tmp_path / "pack.json"
    pack_config.write_text(json.dumps({"no-such-policy": "advisory"}))
    code, _, err = preview(capsys, "--policy-pack-config", str(pack_config))
    assert code == 2
    assert "no-such-policy" in err


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_the_secret_never_appears(capsys: pytest.CaptureFixture[str], output_format: str) -> None:
    code, out, err = preview(capsys, "--format", output_format, "--config", "hybridTenant=true")
    assert code == 0
    for secret in SECRETS:
        assert secret not in out
        assert secret not in err
    assert "[secret]" in out


def test_json_matches_its_documented_schema(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = preview(capsys, "--format", "json", "--config", "hybridTenant=true")
    plan = json.loads(out)
    jsonschema.validate(plan, SCHEMA)
    assert plan["grants"]["directoryRoles"] == [
        {"name": "User Administrator", "id": "fe930be7-5e62-47db-91af-98c3a49a38b1"}
    ]
    assert plan["outputs"]["clientSecret"] == {"value": "[secret]", "secret": True}
    assert any("Password Writeback" in warning for warning in plan["warnings"])
    assert plan["policy"]["mandatoryViolations"] == 0


def test_json_is_stable(capsys: pytest.CaptureFixture[str]) -> None:
    first = preview(capsys, "--format", "json", "--no-policy")[1]
    second = preview(capsys, "--format", "json", "--no-policy")[1]
    assert first == second
    assert json.loads(first)["policy"] is None


def test_compare_to_reports_an_added_permission_and_a_changed_role(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = tmp_path / "base.json"
    base.write_text(preview(capsys, "--format", "json", "--no-policy")[1])
    code, out, _ = preview(
        capsys,
        "--no-policy",
        "--format",
        "json",
        "--compare-to",
        str(base),
        "--config",
        "privilegeSecureVersion=26.03",
        "--config",
        "manageGlobalAdministrators=true",
    )
    assert code == 0
    plan = json.loads(out)
    jsonschema.validate(plan, SCHEMA)
    grants = {(g["kind"], g["change"], g["name"]) for g in plan["comparedTo"]["grants"]}
    assert ("application permission", "added", "GroupMember.ReadWrite.All") in grants
    assert ("directory role", "added", "Global Administrator") in grants
    assert ("directory role", "removed", "User Administrator") in grants
    assert ("delegated permission", "removed", "User.Read") in grants
    text = preview(
        capsys, "--no-policy", "--compare-to", str(base), "-c", "privilegeSecureVersion=26.03"
    )[1]
    assert (
        "+ application permission User-PasswordProfile.ReadWrite.All "
        "(cc117bb9-00cf-4eb8-b580-ea2a878fe8f7) added" in text
    )


def test_compare_to_the_same_plan_reports_no_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = tmp_path / "base.json"
    base.write_text(preview(capsys, "--format", "json", "--no-policy")[1])
    out = preview(capsys, "--no-policy", "--compare-to", str(base))[1]
    assert "Compared to the earlier plan:\n  no change" in out


def test_markdown_has_a_mermaid_diagram(capsys: pytest.CaptureFixture[str]) -> None:
    out = preview(capsys, "--format", "markdown")[1]
    assert "```mermaid\nflowchart LR\n" in out
    assert 'msgraph[("Microsoft Graph<br/>(looked up, not managed)")]' in out
    assert "| Directory roles | User Administrator (fe930be7-5e62-47db-91af-98c3a49a38b1) |" in out


def test_secure_values_stay_encrypted(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.x.yaml"
    stack_file.write_text(
        "config:\n"
        "  privilege-secure-entra:notes:\n"
        "    secure: v1:abc:def\n"
        "  privilege-secure-entra:secretLifetimeDays: 90\n"
        "  privilege-secure-entra:owners: ['7c9e6679-7425-40de-944b-e07fc1f90ae7']\n"
    )
    config = read_stack_config_file(stack_file)
    assert config.values == {
        "privilege-secure-entra:notes": SECURE_PLACEHOLDER,
        "privilege-secure-entra:secretLifetimeDays": "90",
        "privilege-secure-entra:owners": '["7c9e6679-7425-40de-944b-e07fc1f90ae7"]',
    }
    assert config.secret_keys == {"privilege-secure-entra:notes"}


def test_as_a_process_like_a_user_runs_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "offline_preview", "--config", "protect=maybe"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        env={"SOURCE_DATE_EPOCH": str(NOW), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: privilege-secure-entra:protect: got 'maybe'; allowed: true or false\n"
    )


def test_secure_text_is_a_placeholder_but_a_secure_list_cannot_be_guessed(tmp_path: Path) -> None:
    from offline_preview.cli import UsageError, stack_config

    stack_file = tmp_path / "Pulumi.x.yaml"
    stack_file.write_text("config:\n  privilege-secure-entra:notes:\n    secure: v1:abc\n")
    config = stack_config(stack_file, [])
    assert config.values["privilege-secure-entra:notes"] == SECURE_PLACEHOLDER
    stack_file.write_text("config:\n  privilege-secure-entra:owners:\n    secure: v1:abc\n")
    with pytest.raises(UsageError, match="owners is a secure value, which the offline preview"):
        stack_config(stack_file, [])
    overridden = stack_config(stack_file, ['owners=["7c9e6679-7425-40de-944b-e07fc1f90ae7"]'])
    assert overridden.secret_keys == frozenset()


def test_a_broken_policy_pack_is_a_crash_not_a_verdict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Exit 3, never 1: a pipeline must not read a failed run as "policy violated"."""
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("raise SystemExit('the pack cannot load')\n")
    code, out, err = preview(capsys, "--policy-pack", str(tmp_path))
    assert code == EXIT_CRASH == 3
    assert out == ""
    assert err.startswith("error: the offline preview failed: PolicyPackError: policy pack ")
    assert "the pack cannot load" in err


def test_a_crashing_program_exits_3_with_the_error_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise KeyError("clientId")

    monkeypatch.setattr("offline_preview.cli.run_program", crash)
    code, out, err = preview(capsys, "--no-policy")
    assert (code, out) == (EXIT_CRASH, "")
    assert err.splitlines()[0] == "error: the offline preview failed: KeyError: 'clientId'"


MIXED_STACK = """
import pulumi
import pulumi_azuread as azuread

from components.app_registration import AppRegistration

app = AppRegistration("privilege-secure", {"display_name": "Netwrix Privilege Secure"})
pulumi.export("clientSecretRotatesAt", app.client_secret_rotates_at)
other = azuread.Application("other-app", display_name="Someone else's app")
azuread.ApplicationPassword("other-app-password", application_id=other.id)
other_sp = azuread.ServicePrincipal("other-sp", client_id=other.client_id)
azuread.AppRoleAssignment(
    "other-consent",
    app_role_id="df021288-bdef-4463-88db-98f22de89214",
    principal_object_id=other_sp.object_id,
    resource_object_id="00000000-0000-0000-0000-000000000001",
)
"""


def test_a_stack_with_other_resources_is_never_mislabelled(tmp_path: Path) -> None:
    """Another app's password is not our "previous" secret, nor its consent our grant."""
    program = tmp_path / "__main__.py"
    program.write_text(MIXED_STACK)
    run = run_program({}, program=program)
    assert run.error is None
    plan = build_plan("dev", StackConfig({}, frozenset()), run, None)
    jsonschema.validate(json.loads(render(plan, "json")), SCHEMA)
    assert [(s["name"], s["role"]) for s in plan["clientSecrets"]] == [
        ("privilege-secure-client-secret-a", "newest"),
        ("privilege-secure-client-secret-b", "previous"),
    ]
    assert "User.Read.All" not in json.dumps(plan["grants"])
    (foreign,) = [r for r in plan["resources"] if r["name"] == "other-app-password"]
    assert foreign["summary"] == [
        f"client secret of application /applications/{fake_guid('application', 'other-app')}, "
        "not part of the AppRegistration component: no end date set here"
    ]
    text = render(plan, "text")
    assert "previous: expires None" not in text
