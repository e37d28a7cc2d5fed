"""`python -m offline_preview adopt DIR`: the audit of a hand-made registration, its refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from entra_vocabulary import resource_types as types
from mock_engine.engine import REPOSITORY, ProgramRun, run_program
from offline_preview.adopt import _request_label
from offline_preview.cli import main
from tests.conftest import NOW

EXPORTS = Path(__file__).parent / "fixtures" / "adopt"
BY_THE_BOOK = EXPORTS / "by-the-book-4.1"
WITH_EXTRAS = EXPORTS / "with-extras-4.1"
HINTS = ("qZ8", "aB3", "Tw0")
"""The ``hint`` of each secret in the fixtures: the first characters of a secret, never shown."""

TENANT_GRAPH = "5b1f8f4e-2a7c-4c1d-9e3b-6d0a8c2f7e41"
"""Microsoft Graph's service principal in the fixtures' tenant."""


def audit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["adopt", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def report(capsys: pytest.CaptureFixture[str], folder: Path, *args: str) -> dict[str, Any]:
    code, out, err = audit(capsys, str(folder), "--format", "json", *args)
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


def adopted_run(adopt: dict[str, object], **config: str) -> ProgramRun:
    values = {f"privilege-secure-entra:{k}": v for k, v in config.items()}
    return run_program({**values, "privilege-secure-entra:adopt": json.dumps(adopt)})


def test_an_app_made_by_the_book_matches_and_is_adopted_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = report(capsys, BY_THE_BOOK)
    assert document["beyondManifest"] == []
    assert document["requestedWithoutConsent"] == []
    assert document["consentWithoutRequest"] == []
    assert document["creates"] == [
        "client secret privilege-secure-client-secret-a (the provider cannot import client "
        "secrets)",
        "client secret privilege-secure-client-secret-b (the provider cannot import client "
        "secrets)",
    ]
    assert (
        "admin consent to RoleManagement.ReadWrite.Directory (9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8)"
        in (document["matches"])
    )
    assert "directory role User Administrator, tenant-wide" in document["matches"]
    assert "delegated consent to User.Read, tenant-wide" in document["matches"]
    assert document["adopt"] == {
        "applicationObjectId": "0f6c3b2a-7e94-4d1b-8a53-c2e9f4b7d816",
        "servicePrincipalObjectId": "a3b85d0e-4c61-4f27-9d3a-81e6f2c4b59d",
        "appRoleAssignmentIds": {
            "Directory.ReadWrite.All": "DoK4o5NWT0-ks7mNDl3K8u0tpzX5SxFPohfK8bDmmbY",
            "Group.ReadWrite.All": "DoK4o5NWT0-ks7mNDl3K8i-kQ1gJuf1EjTtJJz8Nv3g",
            "User.ReadWrite.All": "DoK4o5NWT0-ks7mNDl3K8nrl6T8eCLZIkyRQR2S3Afc",
            "RoleManagement.ReadWrite.Directory": "DoK4o5NWT0-ks7mNDl3K8uOUbEPZnI9JuVc1mF6RtXI",
        },
        "delegatedPermissionGrantId": "DoK4o5NWT0-ks7mNDl3K8k6PH1sqLBxMnjtrDAjyfkE",
        "directoryRoleAssignmentIds": {
            "User Administrator": "8yF0Xx3kLEq7gD2pWc5vNNYNzQ2PbHZGrLSmuiwpRSk-1-e"
        },
    }
    assert policy_verdict(document) == (0, [])


def policy_verdict(document: dict[str, Any]) -> tuple[int, list[str]]:
    policy = document["policy"]
    return policy["mandatoryViolations"], [f["policy"] for f in policy["findings"]]


def test_the_config_it_prints_is_what_the_program_adopts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = report(capsys, BY_THE_BOOK)
    run = adopted_run(document["adopt"])
    assert run.error is None
    imported = {r.name for r in run.resources if r.import_id}
    assert imported == {i["resource"] for i in document["imports"]}
    assert len(imported) == 8
    by_name = {i["resource"]: i["importId"] for i in document["imports"]}
    assert by_name["privilege-secure-consent-User.ReadWrite.All"] == (
        f"/servicePrincipals/{TENANT_GRAPH}/appRoleAssignedTo/"
        "DoK4o5NWT0-ks7mNDl3K8nrl6T8eCLZIkyRQR2S3Afc"
    )
    import yaml

    pasted = yaml.safe_load(document["configYaml"])["config"]["privilege-secure-entra:adopt"]
    assert pasted == document["adopt"]
    assert document["configCommand"] == (
        f"pulumi config set --stack dev adopt '{json.dumps(document['adopt'])}'"
    )


def test_extras_are_named_with_how_to_remove_each(capsys: pytest.CaptureFixture[str]) -> None:
    document = report(capsys, WITH_EXTRAS)
    extras = {e["what"]: e["remove"] for e in document["beyondManifest"]}
    sp = "e5c17a4b-9d28-4e63-b1f0-7a3c5d9e2b84"
    assert extras[
        "admin consent to UserAuthenticationMethod.ReadWrite.All "
        "(50483e42-d915-4231-9639-7fdb7fd190e5) (Microsoft Graph)"
    ] == (
        "az rest --method DELETE --url https://graph.microsoft.com/v1.0/servicePrincipals/"
        f"{sp}/appRoleAssignments/S3qF5Xd4m0KxR7PvYz2bW5Cv1Nx8GhTq4JkZr7DyLbM"
    )
    # a permission no manifest asks for is still named, from Microsoft's full table
    assert (
        "admin consent to Mail.Send (b633e1c5-b582-4048-a93e-9f11b44c7e96) (Microsoft Graph)"
        in (extras)
    )
    assert extras["directory role Privileged Authentication Administrator, tenant-wide"].endswith(
        "/roleManagement/directory/roleAssignments/Qm7Tg2Xb9kEvL4pWc1sNzEqJ8nHvW3kD5tYbMxRa2Lc-1-e"
    )
    assert extras["delegated consent to Mail.Read (Microsoft Graph), tenant-wide"] == (
        "`pulumi up` removes it: the adopted grant's scope becomes User.Read"
    )
    assert document["consentWithoutRequest"] == ["delegated Mail.Read (Microsoft Graph)"]
    assert document["requestedWithoutConsent"] == []


def test_what_pulumi_up_changes_in_place(capsys: pytest.CaptureFixture[str]) -> None:
    changes = report(capsys, WITH_EXTRAS)["changesInPlace"]
    assert "display name: 'NPS app (made by hand)' → 'Netwrix Privilege Secure (dev)'" in changes
    assert "notes: none → 'Managed by Pulumi (privilege-secure-entra, dev stack)'" in changes
    assert (
        "stops requesting UserAuthenticationMethod.ReadWrite.All "
        "(50483e42-d915-4231-9639-7fdb7fd190e5)" in changes
    )
    owners = next(c for c in changes if c.startswith("application owners:"))
    assert "sam.whitfield@contoso.onmicrosoft.com" in owners
    assert "the principal that runs `pulumi up` only" in owners


def test_configured_owners_are_compared_one_by_one(capsys: pytest.CaptureFixture[str]) -> None:
    ada = "1d7e3c59-84b2-4a6f-9c0d-5e8b2f4a7c13"
    document = report(capsys, WITH_EXTRAS, "--config", f'owners=["{ada}"]')
    assert (
        "application owners: removes sam.whitfield@contoso.onmicrosoft.com "
        "(84a2c6e1-3f5b-4d97-8e0a-2c6b9d4f1a73)" in document["changesInPlace"]
    )
    assert any(m.startswith("service principal owners: ada.okafor") for m in document["matches"])


def test_every_existing_credential_with_its_end_and_the_order_to_retire_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = report(capsys, WITH_EXTRAS)
    credentials = {c["keyId"]: c for c in document["credentials"]}
    assert set(credentials) == {
        "f2b8d4a6-1c9e-4e73-b5a0-8d3f6c2e9b17",
        "9e6c2a4f-8b1d-4f35-a7e9-3c5b1d8f2a60",
        "3a9d5f1c-7e2b-4c84-a6d0-9b1e3f5c7a28",
    }
    assert credentials["f2b8d4a6-1c9e-4e73-b5a0-8d3f6c2e9b17"]["status"] == "expired"
    assert (
        "longer than any secret this stack issues"
        in (credentials["9e6c2a4f-8b1d-4f35-a7e9-3c5b1d8f2a60"]["status"])
    )
    certificate = credentials["3a9d5f1c-7e2b-4c84-a6d0-9b1e3f5c7a28"]
    assert certificate["kind"] == "certificate"
    assert certificate["delete"] == (
        "az ad app credential delete --id 2c9f6a3e-51d7-4b8c-a0e3-6f4d2b9c8e15 "
        "--key-id 3a9d5f1c-7e2b-4c84-a6d0-9b1e3f5c7a28 --cert"
    )
    order = document["credentialOrder"]
    assert order[0].startswith("`pulumi up` with `adopt`")
    assert "clientSecret" in order[1]
    assert "delete every old credential" in order[2]
    assert "pulumi config rm adopt" in order[3]


def test_the_stacks_own_secrets_are_never_called_leftovers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Auditing an app after its adoption: the secrets the stack issued must be kept."""
    from offline_preview.adopt import STACK_SECRET_PREFIX

    run = run_program({})
    names = [r.inputs["displayName"] for r in run.of_type(types.APPLICATION_PASSWORD)]
    assert names
    assert all(name.startswith(STACK_SECRET_PREFIX) for name in names)
    folder = tmp_path / "export"
    shutil.copytree(BY_THE_BOOK, folder)
    application = json.loads((folder / "application.json").read_text())
    application["passwordCredentials"][0]["displayName"] = names[0]
    (folder / "application.json").write_text(json.dumps(application))
    [credential] = report(capsys, folder)["credentials"]
    assert "keep it if the stack issued it" in credential["status"]
    assert credential["delete"].startswith(
        "only if no stack issued it: az ad app credential delete"
    )


def test_a_26_03_stack_adopting_a_4_1_era_app(capsys: pytest.CaptureFixture[str]) -> None:
    document = report(capsys, BY_THE_BOOK, "--config", "privilegeSecureVersion=26.03")
    assert document["privilegeSecureVersion"] == "26.03"
    assert "delegatedPermissionGrantId" not in document["adopt"]
    assert set(document["adopt"]["appRoleAssignmentIds"]) == {
        "Directory.ReadWrite.All",
        "Group.ReadWrite.All",
        "User.ReadWrite.All",
        "RoleManagement.ReadWrite.Directory",
    }
    creates = document["creates"]
    assert "admin consent to GroupMember.ReadWrite.All (dbaae8cf-10b5-4b86-a4a1-f871c94c6695)" in (
        creates
    )
    assert "directory role Privileged Authentication Administrator, tenant-wide" in creates
    [extra] = document["beyondManifest"]
    assert extra["what"] == "delegated consent to User.Read (Microsoft Graph), tenant-wide"
    assert extra["remove"].endswith(
        "/oauth2PermissionGrants/DoK4o5NWT0-ks7mNDl3K8k6PH1sqLBxMnjtrDAjyfkE"
    )
    assert (
        "stops requesting User.Read (e1fe6dd8-ba31-4d61-89e7-88639da4683d)"
        in (document["changesInPlace"])
    )
    run = adopted_run(document["adopt"], privilegeSecureVersion="26.03")
    assert run.error is None


def test_the_pack_verdict_is_on_the_adopted_stack(capsys: pytest.CaptureFixture[str]) -> None:
    document = report(capsys, BY_THE_BOOK, "--config", "manageGlobalAdministrators=true")
    assert "Global Administrator" not in document["adopt"]["directoryRoleAssignmentIds"]
    mandatory, policies = policy_verdict(document)
    assert mandatory == 1
    assert "directory-role-allowlist" in policies
    # The hand-made User Administrator assignment is not the stack's role any more.
    assert any("User Administrator" in e["what"] for e in document["beyondManifest"])


def test_the_pack_judges_with_the_stack_s_own_pack_config(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """policies/stacks/<stack>.json when present (offline_preview/stacks.py), as in a pipeline:
    a tenant allowed Global Administrator there is not failed for it by the audit."""
    allowed = tmp_path / "dev.json"
    allowed.write_text(json.dumps({"directory-role-allowlist": {"allowGlobalAdministrator": True}}))
    asked: list[str] = []

    def stack_config(pack: Path, stack: str) -> Path:
        asked.append(stack)
        return allowed

    monkeypatch.setattr("offline_preview.cli.policy_pack_config", stack_config)
    document = report(capsys, BY_THE_BOOK, "--config", "manageGlobalAdministrators=true")
    assert asked == ["dev"]
    mandatory, policies = policy_verdict(document)
    assert "directory-role-allowlist" not in policies
    assert mandatory == 0


def test_the_pack_on_the_hand_made_app_as_it_stands(capsys: pytest.CaptureFixture[str]) -> None:
    clean = report(capsys, BY_THE_BOOK)["policyAsItStands"]
    assert (clean["mandatoryViolations"], clean["findings"]) == (0, [])
    extras = report(capsys, WITH_EXTRAS)["policyAsItStands"]
    found = {(f["policy"], f["resource"]) for f in extras["findings"]}
    assert found == {
        ("graph-application-permissions-allowlist", "hand-made-application"),
        ("graph-application-permissions-allowlist", "hand-made-consent-5"),
        ("graph-delegated-permissions-allowlist", "hand-made-grant-0"),
        ("consent-matches-request", "hand-made-grant-0"),
        # An expired secret grants nothing: advisory (issue #8, item 7).
        ("client-secret-expired", "hand-made-client-secret-0"),
        ("client-secret-expiry", "hand-made-client-secret-1"),
        # 4.1's permissions with 26.03's UserAuthenticationMethod.ReadWrite.All and Privileged
        # Authentication Administrator: two manifests' rights on one app.
        ("single-manifest", "hand-made-application"),
    }
    messages = " ".join(f["message"] for f in extras["findings"])
    assert "b633e1c5-b582-4048-a93e-9f11b44c7e96" in messages
    assert "endDate 2299-12-31T14:30:00Z is more than 365 days ahead" in messages
    assert "endDate 2026-03-12T10:02:11Z is in the past: this credential is expired" in messages
    assert extras["mandatoryViolations"] == 6


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_no_secret_hint_ever_appears(
    capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    for folder in (BY_THE_BOOK, WITH_EXTRAS):
        code, out, err = audit(capsys, str(folder), "--format", output_format)
        assert (code, err) == (0, "")
        for hint in HINTS:
            assert hint not in out
        assert "secretText" not in out
        assert "hint" not in out


def test_the_text_report_reads_top_to_bottom(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = audit(capsys, str(WITH_EXTRAS))
    assert code == 0
    headings = [
        "Matches (",
        "`pulumi up` changes in place (",
        "`pulumi up` creates (",
        "Beyond the manifest (Pulumi does not manage these, so it does not remove them) (4):",
        "Requested without consent (0):",
        "Consent without request (1):",
        "Existing credentials (each stays valid until deleted) (3):",
        "Order:",
        "Imported by the first `pulumi up` (8):",
        "Policy pack privilege-secure-entra-guard on the hand-made app as it stands: FAIL (7):",
        "Policy pack privilege-secure-entra-guard on the adopted stack: PASS",
        "Stack config to adopt with (Pulumi.dev.yaml):",
    ]
    positions = [out.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "The pack judges what the program declares" in out
    markdown = audit(capsys, str(WITH_EXTRAS), "--format", "markdown")[1]
    assert markdown.startswith("### Audit of the hand-made registration 'NPS app (made by hand)'")
    assert "#### Stack config to adopt with (Pulumi.dev.yaml)\n```yaml\n" in markdown


Mutation = Callable[[Path], object]


def _edit(name: str, change: Callable[[Any], Any]) -> Mutation:
    def mutate(folder: Path) -> None:
        path = folder / name
        path.write_text(json.dumps(change(json.loads(path.read_text()))))

    return mutate


def _swap(folder: Path) -> None:
    application = (folder / "application.json").read_text()
    (folder / "application.json").write_text((folder / "servicePrincipal.json").read_text())
    (folder / "servicePrincipal.json").write_text(application)


BROKEN: dict[str, tuple[Mutation, str]] = {
    "a file missing": (
        lambda f: (f / "roleAssignments.json").unlink(),
        "incomplete export, missing roleAssignments.json (expected application.json,",
    ),
    "not JSON": (
        lambda f: (f / "oauth2PermissionGrants.json").write_text("<html>Sign in</html>"),
        "oauth2PermissionGrants.json: not JSON (Expecting value, line 1)",
    ),
    "not text": (
        lambda f: (f / "application.json").write_bytes(b"\xff\xfe\x00\x81"),
        "application.json: not text",
    ),
    "the service principal in application.json": (
        _swap,
        "application.json: not Graph's response to GET /applications/{objectId} "
        "(@odata.context is 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals",
    ),
    "a collection without value": (
        _edit("appRoleAssignments.json", lambda b: {**b, "value": None}),
        "appRoleAssignments.json: no value list",
    ),
    "no @odata.context": (
        _edit("roleAssignments.json", lambda b: b["value"]),
        "roleAssignments.json: not Graph's response to GET /roleManagement/directory/"
        "roleAssignments?$filter=principalId eq '{id}' (no @odata.context)",
    ),
    "only the first page": (
        _edit(
            "appRoleAssignments.json",
            lambda b: {**b, "@odata.nextLink": "https://graph.microsoft.com/v1.0/next"},
        ),
        "appRoleAssignments.json: only the first page (@odata.nextLink is set)",
    ),
    "a service principal of another app": (
        _edit(
            "servicePrincipal.json",
            lambda b: {**b, "appId": "00000003-0000-0000-c000-000000000000"},
        ),
        "the service principal of app 00000003-0000-0000-c000-000000000000, not of "
        "application.json's app 6e2d9b14-38a7-4f5c-b0e1-9a7c3d5f2b48",
    ),
    "assignments of another principal": (
        _edit(
            "appRoleAssignments.json",
            lambda b: {
                **b,
                "value": [{**b["value"][0], "principalId": "11111111-2222-4333-8444-555555555555"}],
            },
        ),
        "belongs to principalId 11111111-2222-4333-8444-555555555555, not to "
        "servicePrincipal.json's a3b85d0e-4c61-4f27-9d3a-81e6f2c4b59d",
    ),
    "a grant of another client": (
        _edit(
            "oauth2PermissionGrants.json",
            lambda b: {**b, "value": [{**b["value"][0], "clientId": None}]},
        ),
        "oauth2PermissionGrants.json: DoK4o5NWT0-ks7mNDl3K8k6PH1sqLBxMnjtrDAjyfkE belongs to "
        "clientId none",
    ),
    "an item without its ids": (
        _edit("roleAssignments.json", lambda b: {**b, "value": [{"id": "x"}]}),
        "roleAssignments.json: an item without id, roleDefinitionId",
    ),
    "an application id that is no GUID": (
        _edit("application.json", lambda b: {**b, "id": "../servicePrincipals/x"}),
        'application.json: id is "../servicePrincipals/x", not a GUID',
    ),
    "credentials that are no list": (
        _edit(
            "application.json",
            lambda b: {**b, "passwordCredentials": b["passwordCredentials"][0]},
        ),
        "application.json: passwordCredentials is dict, not a list of objects as Graph returns",
    ),
    "owners that are no objects": (
        _edit("servicePrincipal.json", lambda b: {**b, "owners": ["ada"]}),
        "servicePrincipal.json: owners is a list of other things",
    ),
    "requested permissions that are no objects": (
        _edit(
            "application.json",
            lambda b: {
                **b,
                "requiredResourceAccess": [{"resourceAccess": "Directory.ReadWrite.All"}],
            },
        ),
        "application.json: requiredResourceAccess.resourceAccess is str",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_export_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(BY_THE_BOOK, folder)
    mutate, message = BROKEN[case]
    mutate(folder)
    code, out, err = audit(capsys, str(folder))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    for hint in HINTS:
        assert hint not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/export"], "error: /nonexistent/export: not a folder"),
        ([str(BY_THE_BOOK), "--stack", "prod"], "error: --stack prod: no Pulumi.prod.yaml"),
        (
            [str(BY_THE_BOOK), "--config", "privilegeSecureVersion=4.3"],
            "error: privilege-secure-entra:privilegeSecureVersion: got '4.3'",
        ),
        ([], "error: python -m offline_preview adopt: the following arguments are required: DIR"),
        (
            [str(BY_THE_BOOK), "--format", "yaml"],
            "error: python -m offline_preview adopt: argument",
        ),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with_exit: int
    try:
        with_exit = main(["adopt", *args])
    except SystemExit as exit_:
        with_exit = int(str(exit_.code))
    captured = capsys.readouterr()
    assert with_exit == 2
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert captured.err.count("\n") == 1


def test_a_crash_is_one_line_and_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import offline_preview.adopt

    def fail(*_: object) -> object:
        raise RuntimeError("the policy pack exited\nwith a long story")

    monkeypatch.setattr(offline_preview.adopt, "_judge", fail)
    code, out, err = audit(capsys, str(BY_THE_BOOK))
    assert code == 3
    assert out == ""
    assert err == "error: the adoption audit failed: RuntimeError: the policy pack exited\n"


def test_as_a_process_like_a_user_runs_it(tmp_path: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": str(NOW), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "offline_preview", "adopt"]
    ok = subprocess.run(
        [*command, str(BY_THE_BOOK), "--format", "json"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["schema"] == "privilege-secure-entra/adopt-audit/v1"
    broken = subprocess.run(
        [*command, str(tmp_path)], cwd=REPOSITORY, capture_output=True, text=True, env=env
    )
    assert broken.returncode == 2
    assert broken.stdout == ""
    assert broken.stderr.startswith(f"error: {tmp_path}: incomplete export, missing ")
    assert broken.stderr.count("\n") == 1


def test_a_permission_microsoft_does_not_publish_says_how_to_name_it() -> None:
    made_up = "0b5e2d4c-1a3f-4e6d-9c8b-7a6f5e4d3c2b"
    label = _request_label(made_up, "Role")
    assert label.startswith(f"application permission {made_up} (Microsoft Graph publishes no")
    assert f"appRoles[?id=='{made_up}'].value" in label
    assert _request_label(made_up, "Scope").startswith(f"delegated permission {made_up} (")
