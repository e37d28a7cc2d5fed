"""`adopt`: the program imports exactly the hand-made objects named, with the provider's ids."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from components.adoption import (
    ADOPT_LEFT_IN_CONFIG_WARNING,
    IMPORT_ID_FORMATS,
    NOT_IMPORTABLE,
    import_id,
)
from entra_vocabulary import resource_types as types
from mock_engine.engine import GRAPH_OBJECT_ID, REPOSITORY, UNKNOWN, ProgramRun, run_program
from offline_preview.cli import main
from tests.conftest import RunProgram

FORMATS = Path(__file__).parent / "fixtures" / "azuread_import_ids.md"

APPLICATION_OBJECT_ID = "4f1c9a72-3e5b-4d8a-9c06-7b2e1f3a5d94"
SERVICE_PRINCIPAL_OBJECT_ID = "b83e5d21-6a4f-4c97-8e12-0d5f7a9c3b46"
DIRECTORY_ASSIGNMENT = "Xm2pL8vRk0uTq3NwYc7sHdE5fGjKa9BzQ1oWi4VtUyR"
USER_ADMINISTRATOR_ASSIGNMENT = "lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-1"
GRANT = "Xm2pL8vRk0uTq3NwYc7sHbE5fGjKa9BzQ1oWi4VtUyR"

ADOPT = {
    "applicationObjectId": APPLICATION_OBJECT_ID,
    "servicePrincipalObjectId": SERVICE_PRINCIPAL_OBJECT_ID,
    "appRoleAssignmentIds": {"Directory.ReadWrite.All": DIRECTORY_ASSIGNMENT},
    "delegatedPermissionGrantId": GRANT,
    "directoryRoleAssignmentIds": {"User Administrator": USER_ADMINISTRATOR_ASSIGNMENT},
}


def adopting(
    program: RunProgram, adopt: object = ADOPT, preview: bool = False, **config: str
) -> ProgramRun:
    return program({"adopt": json.dumps(adopt), **config}, preview=preview)


def imports(run: ProgramRun) -> dict[str, str]:
    return {r.name: r.import_id for r in run.resources if r.import_id}


def test_each_named_object_is_imported_with_the_providers_import_id(program: RunProgram) -> None:
    run = adopting(program)
    assert run.error is None
    assert imports(run) == {
        "privilege-secure-application": f"/applications/{APPLICATION_OBJECT_ID}",
        "privilege-secure-service-principal": f"/servicePrincipals/{SERVICE_PRINCIPAL_OBJECT_ID}",
        "privilege-secure-consent-Directory.ReadWrite.All": (
            f"/servicePrincipals/{GRAPH_OBJECT_ID}/appRoleAssignedTo/{DIRECTORY_ASSIGNMENT}"
        ),
        "privilege-secure-consent-delegated": f"/oauth2PermissionGrants/{GRANT}",
        "privilege-secure-role-user-administrator": USER_ADMINISTRATOR_ASSIGNMENT,
    }


def test_nothing_else_is_imported_and_secrets_are_always_new(program: RunProgram) -> None:
    run = adopting(program)
    created = {r.name for r in run.resources if r.custom and not r.import_id}
    assert created == {
        "privilege-secure-consent-Group.ReadWrite.All",
        "privilege-secure-consent-User.ReadWrite.All",
        "privilege-secure-consent-RoleManagement.ReadWrite.Directory",
        "privilege-secure-client-secret-a",
        "privilege-secure-client-secret-b",
        "privilege-secure-service-principal-replication",
    }
    assert all(not r.import_id for r in run.of_type(types.APPLICATION_PASSWORD))


def test_without_adopt_nothing_is_imported(program: RunProgram) -> None:
    assert imports(program()) == {}


def test_the_import_ids_are_options_not_inputs(program: RunProgram) -> None:
    """Adopting changes no input: the engine diffs the adopted objects against the same goal."""
    adopted, fresh = adopting(program, preview=True), program(preview=True)
    for resource in fresh.resources:
        twin = next(r for r in adopted.resources if r.urn == resource.urn)
        # What a fresh preview knows must be the same; the rest comes from the adopted objects.
        known = {k: v for k, v in resource.inputs.items() if not _holds_unknown(v)}
        assert {k: twin.inputs[k] for k in known} == known, resource.name
    for resource in adopted.resources:
        if resource.import_id:
            assert resource.import_id not in json.dumps(resource.inputs, default=str)


def _holds_unknown(value: object) -> bool:
    """Whether the engine does not know all of a value yet (a nested unknown counts)."""
    if isinstance(value, dict):
        return any(_holds_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_unknown(item) for item in value)
    return value is UNKNOWN


def test_adopted_objects_carry_their_own_ids_into_the_rest(program: RunProgram) -> None:
    run = adopting(program, preview=True)
    application = run.named("privilege-secure-application")
    service_principal = run.named("privilege-secure-service-principal")
    assert application.outputs["objectId"] == APPLICATION_OBJECT_ID
    assert service_principal.outputs["objectId"] == SERVICE_PRINCIPAL_OBJECT_ID
    for password in run.of_type(types.APPLICATION_PASSWORD):
        assert password.inputs["applicationId"] == f"/applications/{APPLICATION_OBJECT_ID}"
    consents = run.of_type(types.APP_ROLE_ASSIGNMENT)
    for assignment in consents + run.of_type(types.DIRECTORY_ROLE_ASSIGNMENT):
        assert assignment.inputs["principalObjectId"] == SERVICE_PRINCIPAL_OBJECT_ID
    assert run.outputs["applicationObjectId"].value == APPLICATION_OBJECT_ID


def test_adopt_left_in_place_declares_the_same_thing_again(program: RunProgram) -> None:
    """The engine imports only while the state's import id differs from the program's
    (pulumi/pulumi#4403, #19314): a second run must give identical import ids and inputs."""
    first, second = adopting(program), adopting(program)
    assert imports(first) == imports(second)
    assert sorted((r.urn, json.dumps(r.inputs, sort_keys=True)) for r in first.resources) == (
        sorted((r.urn, json.dumps(r.inputs, sort_keys=True)) for r in second.resources)
    )


def test_every_run_with_adopt_set_warns_to_remove_it_in_one_line(program: RunProgram) -> None:
    """Left in place, adopt turns a portal deletion into a failed import (README: step 8)."""
    for run in (adopting(program), adopting(program, preview=True)):
        assert run.warnings == [ADOPT_LEFT_IN_CONFIG_WARNING]
    assert "\n" not in ADOPT_LEFT_IN_CONFIG_WARNING
    assert ADOPT_LEFT_IN_CONFIG_WARNING.startswith("adopt is set: remove it from the stack config")
    assert "import its dead id and fails" in ADOPT_LEFT_IN_CONFIG_WARNING
    assert program().warnings == []  # no adopt, no warning
    readme = (REPOSITORY / "README.md").read_text()
    assert "**8. Remove `adopt` (required):**" in readme
    assert "`adopt is set: remove it from the stack config ...`" in readme


def test_the_26_03_manifest_adopts_its_second_role_and_no_grant(program: RunProgram) -> None:
    adopt = {
        **{k: v for k, v in ADOPT.items() if k != "delegatedPermissionGrantId"},
        "directoryRoleAssignmentIds": {
            "User Administrator": USER_ADMINISTRATOR_ASSIGNMENT,
            "Privileged Authentication Administrator": "pAA1ssignmentIdOpaque_-2",
        },
    }
    run = adopting(program, adopt, privilegeSecureVersion="26.03")
    assert run.error is None
    assert imports(run)["privilege-secure-role-privileged-authentication-administrator"] == (
        "pAA1ssignmentIdOpaque_-2"
    )
    assert run.of_type(types.DELEGATED_PERMISSION_GRANT) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"appRoleAssignmentIds": {"Mail.Send": DIRECTORY_ASSIGNMENT}},
            "adopt.appRoleAssignmentIds: 'Mail.Send' is not an application permission of the "
            "4.1 manifest; allowed: Directory.ReadWrite.All,",
        ),
        (
            {"appRoleAssignmentIds": {"GroupMember.ReadWrite.All": DIRECTORY_ASSIGNMENT}},
            "'GroupMember.ReadWrite.All' is not an application permission of the 4.1 manifest",
        ),
        (
            {"directoryRoleAssignmentIds": {"Global Administrator": "abc"}},
            "adopt.directoryRoleAssignmentIds: 'Global Administrator' is not a directory role "
            "this stack assigns; allowed: User Administrator",
        ),
        (
            {"applicationObjectId": "not-a-guid"},
            "adopt.applicationObjectId: got 'not-a-guid'; allowed: an object id (a GUID)",
        ),
        ({"servicePrincipalObjectId": ""}, "adopt.servicePrincipalObjectId: got ''"),
        ({"delegatedPermissionGrantId": ""}, "adopt.delegatedPermissionGrantId: got ''"),
        (
            {"appRoleAssignmentIds": {"User.ReadWrite.All": ""}},
            "adopt.appRoleAssignmentIds['User.ReadWrite.All']: got ''",
        ),
        (
            {"directoryRoleAssignmentIds": {"User Administrator": "../../applications/x"}},
            "allowed: Graph's id as exported (letters, digits, '-' and '_')",
        ),
        ({"servicePrincipalObjectId": APPLICATION_OBJECT_ID}, "are the same object id"),
        (
            {"directoryRoleAssignmentIds": {"User Administrator": DIRECTORY_ASSIGNMENT}},
            "adopt: the same id is given twice",
        ),
        ({"applicationObjectID": APPLICATION_OBJECT_ID}, "adopt.applicationObjectID: unknown key"),
        ({"appRoleAssignmentIds": ["x"]}, "adopt.appRoleAssignmentIds: got ['x']"),
    ],
)
def test_a_wrong_adopt_is_refused_before_any_resource(
    program: RunProgram, change: dict[str, object], message: str
) -> None:
    run = adopting(program, {**ADOPT, **change})
    assert run.error is not None
    assert run.error.startswith("privilege-secure-entra:adopt")
    assert message in run.error
    assert "\n" not in run.error
    assert run.resources == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[]", "privilege-secure-entra:adopt: got '[]'; allowed: a JSON object"),
        ("{", "privilege-secure-entra:adopt: got '{'"),
        (json.dumps({"applicationObjectId": APPLICATION_OBJECT_ID}), "servicePrincipalObjectId"),
    ],
)
def test_adopt_that_is_no_object_is_refused(program: RunProgram, value: str, message: str) -> None:
    run = program({"adopt": value})
    assert run.error is not None
    assert message in run.error
    assert run.resources == []


def test_a_grant_for_a_manifest_without_delegated_permissions_is_refused(
    program: RunProgram,
) -> None:
    run = adopting(program, privilegeSecureVersion="26.03")
    assert run.error is not None
    assert "adopt.delegatedPermissionGrantId: the 26.03 manifest has no delegated" in run.error


def test_global_administrator_is_adoptable_only_when_the_stack_assigns_it(
    program: RunProgram,
) -> None:
    adopt = {**ADOPT, "directoryRoleAssignmentIds": {"Global Administrator": "gaAssignment-1"}}
    assert adopting(program, adopt).error is not None
    run = adopting(program, adopt, manageGlobalAdministrators="true")
    assert run.error is None
    assert imports(run)["privilege-secure-role-global-administrator"] == "gaAssignment-1"


def test_the_component_refuses_a_wrong_adopt_itself(tmp_path: Path) -> None:
    """A program in another language hands ``adopt`` straight to the component."""
    program_file = tmp_path / "__main__.py"
    program_file.write_text(
        "from components.app_registration import AppRegistration\n"
        "AppRegistration('x', {'display_name': 'x', 'adopt': {\n"
        "    'applicationObjectId': 'bad', 'servicePrincipalObjectId': 'bad'}})\n"
    )
    run = run_program({}, program=program_file)
    assert run.error == (
        "privilegesecure:index:AppRegistration x: adopt.applicationObjectId: got 'bad'; "
        "allowed: an object id (a GUID)"
    )
    assert run.resources == []


def _documented_examples() -> dict[str, str]:
    text = FORMATS.read_text()
    return dict(re.findall(r"\$ pulumi import (\S+) example (\S+)", text))


def test_the_import_id_formats_are_the_providers() -> None:
    examples = _documented_examples()
    assert set(IMPORT_ID_FORMATS) == {  # the tokens the program declares and the pack reads
        types.APPLICATION,
        types.SERVICE_PRINCIPAL,
        types.APP_ROLE_ASSIGNMENT,
        types.DELEGATED_PERMISSION_GRANT,
        types.DIRECTORY_ROLE_ASSIGNMENT,
    }
    assert set(IMPORT_ID_FORMATS) <= set(examples)
    for type_token, template in IMPORT_ID_FORMATS.items():
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{\w+\\\}", "[A-Za-z0-9_-]+", pattern)
        assert re.fullmatch(pattern, examples[type_token]), type_token


def test_client_secrets_cannot_be_imported_says_the_provider() -> None:
    text = FORMATS.read_text()
    for type_token in NOT_IMPORTABLE:
        section = text[text.index(f"## {type_token}") :]
        assert "This resource does not support importing." in section
    assert set(NOT_IMPORTABLE) == {types.APPLICATION_PASSWORD}


def test_import_id_fills_the_placeholders_in_order() -> None:
    assert import_id(types.APP_ROLE_ASSIGNMENT, "sp", "assignment") == (
        "/servicePrincipals/sp/appRoleAssignedTo/assignment"
    )
    assert import_id(types.APPLICATION, "o") == "/applications/o"
    assert import_id(types.SERVICE_PRINCIPAL, "o") == "/servicePrincipals/o"
    with pytest.raises(ValueError, match="takes 2 ids, not 1"):
        import_id(types.APP_ROLE_ASSIGNMENT, "sp")


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--config", f"adopt={json.dumps(ADOPT)}", *args])
    captured = capsys.readouterr()
    assert captured.err == ""
    return code, captured.out


def test_the_offline_preview_shows_what_is_imported_with_which_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = preview(capsys, "--no-policy")
    assert code == 0
    assert (
        "= Application privilege-secure-application\n"
        f"        imports /applications/{APPLICATION_OBJECT_ID}\n" in out
    )
    assert f"imports /oauth2PermissionGrants/{GRANT}" in out
    assert "+ ApplicationPassword privilege-secure-client-secret-a" in out
    assert "+ AppRoleAssignment privilege-secure-consent-Group.ReadWrite.All" in out
    markdown = preview(capsys, "--no-policy", "--format", "markdown")[1]
    assert f"**imports** `{USER_ADMINISTRATOR_ASSIGNMENT}`" in markdown


def test_the_json_plan_lists_import_ids_in_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    plan = json.loads(preview(capsys, "--no-policy", "--format", "json")[1])
    jsonschema.validate(
        plan, json.loads((REPOSITORY / "offline_preview/plan.schema.json").read_text())
    )
    imported = {r["name"]: r["importId"] for r in plan["resources"] if "importId" in r}
    assert imported["privilege-secure-role-user-administrator"] == USER_ADMINISTRATOR_ASSIGNMENT
    assert len(imported) == 5


def test_a_changed_import_id_shows_in_the_comparison(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Changing an adopted id makes Pulumi delete the managed object and import another."""
    base = tmp_path / "base.json"
    base.write_text(preview(capsys, "--no-policy", "--format", "json")[1])
    changed = {**ADOPT, "delegatedPermissionGrantId": "AnotherGrantId"}
    main(["--no-policy", "--compare-to", str(base), "--config", f"adopt={json.dumps(changed)}"])
    out = capsys.readouterr().out
    assert "~ resource privilege-secure-consent-delegated changed\n" in out
    assert "+ imports: /oauth2PermissionGrants/AnotherGrantId" in out


def test_the_pack_judges_imported_resources_like_any_other(
    capsys: pytest.CaptureFixture[str],
) -> None:
    adopt = {**ADOPT, "directoryRoleAssignmentIds": {"Global Administrator": "gaAssignment-1"}}
    code = main(
        [
            "--config",
            f"adopt={json.dumps(adopt)}",
            "--config",
            "manageGlobalAdministrators=true",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "imports gaAssignment-1" in out
    assert (
        "[mandatory] directory-role-allowlist (privilege-secure-role-global-administrator)" in out
    )
