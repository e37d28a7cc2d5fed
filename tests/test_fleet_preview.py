"""`python -m offline_preview --all-stacks`: one table for many tenants, the worst exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import referencing
from referencing.jsonschema import DRAFT202012

from offline_preview import fleet
from offline_preview.cli import main, parser
from offline_preview.engine import REPOSITORY, fake_client_secret, run_program
from offline_preview.stacks import StackFileError, matrix, policy_pack_config, stack_names

SCHEMAS = [
    json.loads((REPOSITORY / "offline_preview" / name).read_text())
    for name in ("fleet.schema.json", "plan.schema.json")
]
FLEET_VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMAS[0],
    registry=referencing.Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource(schema)) for schema in SCHEMAS
    ),
)
GLOBAL_ADMINISTRATOR_TENANT = (
    "config:\n"
    '  privilege-secure-entra:privilegeSecureVersion: "26.03"\n'
    "  privilege-secure-entra:manageGlobalAdministrators: true\n"
)


def fleet_of(directory: Path, stacks: dict[str, str]) -> Path:
    """A repository-like directory holding the dev stack and ``stacks`` (name to YAML)."""
    (directory / "Pulumi.dev.yaml").write_text((REPOSITORY / "Pulumi.dev.yaml").read_text())
    for name, text in stacks.items():
        (directory / f"Pulumi.{name}.yaml").write_text(text)
    return directory


def preview_fleet(
    capsys: pytest.CaptureFixture[str], directory: Path, *args: str
) -> tuple[int, str, str]:
    code = fleet.preview_fleet(parser().parse_args(["--all-stacks", *args]), directory)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_one_row_per_stack_and_the_worst_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = fleet_of(
        tmp_path,
        {
            "contoso": GLOBAL_ADMINISTRATOR_TENANT,
            "fabrikam": "config:\n  privilege-secure-entra:secretLifetimeDays: 0\n",
        },
    )
    code, out, err = preview_fleet(capsys, directory)
    assert code == 2  # fabrikam's config is invalid: worse than contoso's policy violation
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:6]}
    assert rows["contoso"][1:3] == ["26.03", "Global"]
    assert "YES" in rows["contoso"]
    assert rows["contoso"][-1] == "FAIL"
    assert rows["dev"][1:4] == ["4.1", "User", "Administrator"]
    assert rows["dev"][4:] == ["no", "2027-03-03T00:00:00Z", "2026-12-03T00:00:00Z", "PASS"]
    assert rows["fabrikam"][-1] == "invalid"
    # each stack's findings follow the table; the failing stack did not stop the others
    contoso = out.split("== contoso ==")[1].split("== dev ==")[0]
    assert "[mandatory] directory-role-allowlist" in contoso
    assert "== fabrikam ==\n  error: privilege-secure-entra:secretLifetimeDays: got '0'" in out
    assert err == (
        "error: stack fabrikam: privilege-secure-entra:secretLifetimeDays: got '0'; allowed: a "
        "whole number of days from 1 to 365 (the policy pack's client-secret-expiry "
        "maxLifetimeDays)\n"
    )


def test_the_fleet_exits_1_when_the_worst_is_a_policy_violation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = fleet_of(tmp_path, {"contoso": GLOBAL_ADMINISTRATOR_TENANT})
    code, out, _ = preview_fleet(capsys, directory)
    assert code == 1
    assert "2 stacks, 1 failing" in out


def test_a_crash_of_one_stack_is_exit_3_and_the_others_still_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run = run_program

    def crash_on_contoso(config: dict[str, str], **options: object) -> object:
        if options["stack"] == "contoso":
            raise KeyError("clientSecretExpiresAt")
        return real_run(config, **options)  # type: ignore[arg-type]

    monkeypatch.setattr("offline_preview.fleet.run_program", crash_on_contoso)
    directory = fleet_of(tmp_path, {"contoso": "config: {}\n"})
    code, out, err = preview_fleet(capsys, directory, "--no-policy", "--format", "json")
    assert code == 3
    document = json.loads(out)
    FLEET_VALIDATOR.validate(document)
    contoso, dev = document["stacks"]
    assert contoso["summary"]["verdict"] == "crashed"
    assert contoso["error"] == "crashed: KeyError: 'clientSecretExpiresAt'"
    assert dev["exitCode"] == 0
    assert dev["summary"]["verdict"] == "not run"
    first, *trace = err.splitlines()
    assert first == "error: stack contoso: crashed: KeyError: 'clientSecretExpiresAt'"
    assert trace[0] == "Traceback (most recent call last):"
    assert trace[-1] == "KeyError: 'clientSecretExpiresAt'"


def test_each_stack_s_plan_is_the_one_stack_plan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = fleet_of(tmp_path, {"contoso": GLOBAL_ADMINISTRATOR_TENANT})
    code, out, _ = preview_fleet(capsys, directory, "--format", "json")
    document = json.loads(out)
    FLEET_VALIDATOR.validate(document)
    assert code == document["exitCode"] == 1
    assert [s["stack"] for s in document["stacks"]] == ["contoso", "dev"]
    assert main(["--stack", "dev", "--format", "json"]) == 0
    assert document["stacks"][1]["plan"] == json.loads(capsys.readouterr().out)
    assert document["stacks"][0]["summary"]["globalAdministrator"] is True
    assert document["stacks"][0]["plan"]["policy"]["mandatoryViolations"] == 1


def test_compare_to_shows_per_stack_what_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base_directory = tmp_path / "base"
    base_directory.mkdir()
    fleet_of(base_directory, {"retired": "config: {}\n"})
    base = tmp_path / "base.json"
    base.write_text(preview_fleet(capsys, base_directory, "--format", "json", "--no-policy")[1])
    change = tmp_path / "change"
    change.mkdir()
    fleet_of(change, {"contoso": GLOBAL_ADMINISTRATOR_TENANT})
    code, out, _ = preview_fleet(
        capsys, change, "--no-policy", "--format", "markdown", "--compare-to", str(base)
    )
    assert code == 0
    assert "Removed from the fleet: `retired`" in out
    contoso, dev = out.split("#### `contoso`")[1].split("#### `dev`")
    assert "New stack, compared with nothing:" in contoso
    assert "+ directory role Global Administrator (62e90394-" in contoso
    assert "```diff\nno change\n```" in dev
    document = json.loads(
        preview_fleet(capsys, change, "--no-policy", "--format", "json", "--compare-to", str(base))[
            1
        ]
    )
    FLEET_VALIDATOR.validate(document)
    assert document["removedStacks"] == ["retired"]
    assert [s["newStack"] for s in document["stacks"]] == [True, False]


def test_compare_to_a_one_stack_plan_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = tmp_path / "plan.json"
    assert main(["--format", "json", "--no-policy"]) == 0
    plan.write_text(capsys.readouterr().out)
    code = main(["--all-stacks", "--no-policy", "--compare-to", str(plan)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: --compare-to {plan}: not a privilege-secure-entra/")
    assert err.count("\n") == 1


def test_stack_and_all_stacks_exclude_each_other() -> None:
    with pytest.raises(SystemExit) as stopped:
        parser().parse_args(["--all-stacks", "--stack", "dev"])  # dev, the default, too
    assert stopped.value.code == 2


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_no_secret_in_any_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, output_format: str
) -> None:
    directory = fleet_of(tmp_path, {"contoso": "config:\n  privilege-secure-entra:notes: x\n"})
    _, out, err = preview_fleet(capsys, directory, "--no-policy", "--format", output_format)
    for slot in "ab":
        assert fake_client_secret(f"privilege-secure-client-secret-{slot}") not in out + err


# --- the stack list the pipelines' matrices come from ------------------------------------------


def test_the_stack_list_is_the_stack_files(tmp_path: Path) -> None:
    for name in ("dev", "contoso-prod", "fabrikam_eu"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.yaml").write_text("name: x\n")
    assert stack_names(tmp_path) == ["contoso-prod", "dev", "fabrikam_eu"]
    assert matrix(stack_names(tmp_path), "github") == '["contoso-prod", "dev", "fabrikam_eu"]'
    assert json.loads(matrix(["dev"], "azure")) == {"dev": {"STACK": "dev"}}


@pytest.mark.parametrize("name", ["a b", "x;rm", "$(id)", "-dev", "a.b"])
def test_a_stack_name_unsafe_for_a_pipeline_is_refused_not_skipped(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    with pytest.raises(StackFileError, match=r"stack name .* not allowed"):
        stack_names(tmp_path)


def test_the_pipelines_read_the_matrix_before_installing_anything() -> None:
    no_third_party = (
        "import runpy, sys; sys.argv[1:] = ['--matrix', 'github']; "
        "sys.modules.update(pulumi=None, yaml=None, grpc=None); "
        "runpy.run_module('offline_preview.stacks', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", no_third_party],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == stack_names()
    assert "dev" in json.loads(result.stdout)


def test_the_readme_shows_the_fleet_table_as_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = fleet_of(tmp_path, {"contoso": GLOBAL_ADMINISTRATOR_TENANT})
    table = preview_fleet(capsys, directory)[1].splitlines()[2:5]
    assert "\n".join(table) in (REPOSITORY / "README.md").read_text()


# --- each stack's own policy pack config (offline_preview/stacks.py: policy_pack_config) -------

GLOBAL_ADMINISTRATOR_ALLOWED = {"directory-role-allowlist": {"allowGlobalAdministrator": True}}


def pack_with_stack_configs(directory: Path, configs: dict[str, object]) -> Path:
    """The repository's policy pack (linked file by file) plus ``stacks/<stack>.json`` files."""
    pack = directory / "pack"
    pack.mkdir()
    for path in (REPOSITORY / "policies").iterdir():
        if path.name not in ("venv", "__pycache__", "stacks"):
            (pack / path.name).symlink_to(path)
    (pack / "stacks").mkdir()
    for stack, config in configs.items():
        (pack / "stacks" / f"{stack}.json").write_text(json.dumps(config))
    return pack


def test_the_pack_config_of_a_stack_is_its_own_file_else_the_pack_s_default(
    tmp_path: Path,
) -> None:
    pack = pack_with_stack_configs(tmp_path, {"contoso": {}})
    assert policy_pack_config(pack, "contoso") == pack / "stacks" / "contoso.json"
    assert policy_pack_config(pack, "dev") == pack / "config.example.json"
    (pack / "config.example.json").unlink()
    assert policy_pack_config(pack, "dev") is None  # no config: the policies' defaults
    with pytest.raises(StackFileError, match=r"stack name '\.\./dev' not allowed"):
        policy_pack_config(pack, "../dev")


def test_allowing_global_administrator_for_one_tenant_does_not_allow_it_for_another(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack = pack_with_stack_configs(tmp_path, {"contoso": GLOBAL_ADMINISTRATOR_ALLOWED})
    directory = fleet_of(
        tmp_path,
        {"contoso": GLOBAL_ADMINISTRATOR_TENANT, "fabrikam": GLOBAL_ADMINISTRATOR_TENANT},
    )
    code, out, _ = preview_fleet(capsys, directory, "--policy-pack", str(pack))
    assert code == 1
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:6]}
    assert rows["contoso"][-1] == "PASS"
    assert rows["fabrikam"][-1] == "FAIL"
    assert rows["dev"][-1] == "PASS"
    # an explicit --policy-pack-config judges every stack, whatever stacks/ holds
    explicit = tmp_path / "explicit.json"
    explicit.write_text((REPOSITORY / "policies" / "config.example.json").read_text())
    code, out, _ = preview_fleet(
        capsys, directory, "--policy-pack", str(pack), "--policy-pack-config", str(explicit)
    )
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:6]}
    assert (rows["contoso"][-1], rows["fabrikam"][-1]) == ("FAIL", "FAIL")


def test_a_broken_stack_pack_config_is_that_stack_s_error_named_by_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack = pack_with_stack_configs(tmp_path, {"contoso": ["not", "an", "object"]})
    directory = fleet_of(tmp_path, {"contoso": "config: {}\n"})
    code, out, err = preview_fleet(capsys, directory, "--policy-pack", str(pack))
    assert code == 2
    assert "stacks/contoso.json: expected a JSON object of policy names" in err
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:5]}
    assert rows["dev"][-1] == "PASS"  # the other stacks are still judged
    # one stack (--stack) reads the same file
    (pack / "stacks" / "dev.json").write_text("[]")
    assert main(["--stack", "dev", "--policy-pack", str(pack)]) == 2
    assert "the policy pack config of stack dev" in capsys.readouterr().err
