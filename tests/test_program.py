"""What `pulumi up` declares: every resource, its inputs, its links, and the stack outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.stack_outputs import STACK_OUTPUT_NAMES
from entra_vocabulary import resource_types as types
from entra_vocabulary.manifests import MANIFESTS
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    PermissionType,
    graph_permission,
)
from entra_vocabulary.resource_types import (
    APP_ROLE_ASSIGNMENT,
    APPLICATION,
    SERVICE_PRINCIPAL,
    SLEEP,
)
from entra_vocabulary.resource_types import (
    APPLICATION_PASSWORD as PASSWORD,
)
from entra_vocabulary.resource_types import (
    DELEGATED_PERMISSION_GRANT as DELEGATED_GRANT,
)
from entra_vocabulary.resource_types import (
    DIRECTORY_ROLE_ASSIGNMENT as ROLE_ASSIGNMENT,
)
from mock_engine.engine import (
    DEPLOYER_OBJECT_ID,
    GRAPH_OBJECT_ID,
    TENANT_ID,
    UNKNOWN,
    DeclaredResource,
    ProgramRun,
    run_program,
)
from tests.conftest import RunProgram

COMPONENT = types.COMPONENT

OUTPUT_NAMES = set(STACK_OUTPUT_NAMES.values())


def only(run: ProgramRun, type_token: str) -> DeclaredResource:
    [resource] = run.of_type(type_token)
    return resource


def granted_app_roles(run: ProgramRun) -> dict[str, str]:
    return {r.inputs["appRoleId"]: r.name for r in run.of_type(APP_ROLE_ASSIGNMENT)}


def test_the_seed_by_default(program: RunProgram) -> None:
    run = program()
    assert run.error is None
    counts = {t: len(run.of_type(t)) for t in {r.type for r in run.resources}}
    assert counts == {
        COMPONENT: 1,
        APPLICATION: 1,
        SERVICE_PRINCIPAL: 1,
        APP_ROLE_ASSIGNMENT: 4,
        DELEGATED_GRANT: 1,
        PASSWORD: 2,
        ROLE_ASSIGNMENT: 1,
        SLEEP: 1,
    }


def test_application_requests_the_seed_permissions_from_graph_only(program: RunProgram) -> None:
    application = only(program(), APPLICATION)
    [graph_access] = application.inputs["requiredResourceAccesses"]
    assert graph_access["resourceAppId"] == MICROSOFT_GRAPH_APP_ID
    assert sorted(graph_access["resourceAccesses"], key=lambda a: a["id"]) == sorted(
        [
            {"id": "19dbc75e-c2e2-444c-a770-ec69d8559fc7", "type": "Role"},
            {"id": "62a82d76-70ea-41e2-9197-370581804d09", "type": "Role"},
            {"id": "741f803b-c850-494e-b5df-cde7c675a1ca", "type": "Role"},
            {"id": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "type": "Role"},
            {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"},
        ],
        key=lambda a: a["id"],
    )


def test_application_is_a_single_tenant_daemon(program: RunProgram) -> None:
    inputs = only(program(), APPLICATION).inputs
    assert inputs["displayName"] == "Netwrix Privilege Secure"
    assert inputs["signInAudience"] == "AzureADMyOrg"
    for surface in (
        "web",
        "singlePageApplication",
        "publicClient",
        "identifierUris",
        "fallbackPublicClientEnabled",
        "api",
        "password",
    ):
        assert surface not in inputs


def test_owners_default_to_the_deploying_principal(program: RunProgram) -> None:
    run = program()
    assert only(run, APPLICATION).inputs["owners"] == [DEPLOYER_OBJECT_ID]
    assert only(run, SERVICE_PRINCIPAL).inputs["owners"] == [DEPLOYER_OBJECT_ID]


def test_owners_from_config(program: RunProgram) -> None:
    owners = ["0b0f4b7e-2d6a-4a51-9f3e-1f2a3b4c5d6e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"]
    run = program({"owners": f'["{owners[0]}", "{owners[1]}"]'})
    assert only(run, APPLICATION).inputs["owners"] == owners
    assert only(run, SERVICE_PRINCIPAL).inputs["owners"] == owners


def test_service_principal_is_for_our_application(program: RunProgram) -> None:
    run = program()
    application = only(run, APPLICATION)
    service_principal = only(run, SERVICE_PRINCIPAL)
    assert service_principal.inputs["clientId"] == application.outputs["clientId"]
    assert service_principal.inputs.get("useExisting") is None


def test_graph_service_principal_is_looked_up_not_declared(program: RunProgram) -> None:
    run = program()
    assert [r.inputs["clientId"] for r in run.of_type(SERVICE_PRINCIPAL)] == [
        only(run, APPLICATION).outputs["clientId"]
    ]
    lookups = [args for token, args in run.invokes if token.endswith("getServicePrincipal")]
    assert lookups == [{"clientId": MICROSOFT_GRAPH_APP_ID}]


def test_admin_consent_for_every_application_permission(program: RunProgram) -> None:
    run = program()
    our_service_principal = only(run, SERVICE_PRINCIPAL).outputs["objectId"]
    assignments = run.of_type(APP_ROLE_ASSIGNMENT)
    assert granted_app_roles(run) == {
        graph_permission(name, PermissionType.APPLICATION).id: f"privilege-secure-consent-{name}"
        for name in MANIFESTS["4.1"].application_permissions
    }
    for assignment in assignments:
        assert assignment.inputs["principalObjectId"] == our_service_principal
        assert assignment.inputs["resourceObjectId"] == GRAPH_OBJECT_ID


def test_admin_consent_for_delegated_permissions_is_one_tenant_wide_grant(
    program: RunProgram,
) -> None:
    run = program()
    grant = only(run, DELEGATED_GRANT)
    assert grant.inputs == {
        "servicePrincipalObjectId": only(run, SERVICE_PRINCIPAL).outputs["objectId"],
        "resourceServicePrincipalObjectId": GRAPH_OBJECT_ID,
        "claimValues": ["User.Read"],
    }


def test_client_secrets_belong_to_the_application_and_expire_absolutely(
    program: RunProgram,
) -> None:
    run = program()
    application_id = only(run, APPLICATION).id
    assert application_id.startswith("/applications/")
    for password in run.of_type(PASSWORD):
        assert password.inputs["applicationId"] == application_id
        assert "endDateRelative" not in password.inputs
        assert password.inputs["endDate"].endswith("Z")
        assert password.inputs["displayName"]


def test_user_administrator_by_default(program: RunProgram) -> None:
    run = program()
    role = only(run, ROLE_ASSIGNMENT)
    assert role.inputs == {
        "roleId": DIRECTORY_ROLE_TEMPLATE_IDS["User Administrator"],
        "principalObjectId": only(run, SERVICE_PRINCIPAL).outputs["objectId"],
    }


def test_global_administrator_replaces_user_administrator_only_when_asked(
    program: RunProgram,
) -> None:
    run = program({"manageGlobalAdministrators": "true"})
    assert [r.inputs["roleId"] for r in run.of_type(ROLE_ASSIGNMENT)] == [
        DIRECTORY_ROLE_TEMPLATE_IDS["Global Administrator"]
    ]
    assert run.outputs["directoryRoles"].value == ["Global Administrator"]


def test_the_26_03_manifest(program: RunProgram) -> None:
    run = program({"privilegeSecureVersion": "26.03"})
    manifest = MANIFESTS["26.03"]
    assert len(manifest.application_permissions) == 8
    assert set(granted_app_roles(run)) == {
        graph_permission(name, PermissionType.APPLICATION).id
        for name in manifest.application_permissions
    }
    assert run.of_type(DELEGATED_GRANT) == []
    [graph_access] = only(run, APPLICATION).inputs["requiredResourceAccesses"]
    assert {a["type"] for a in graph_access["resourceAccesses"]} == {"Role"}
    assert len(graph_access["resourceAccesses"]) == 8
    assert sorted(r.inputs["roleId"] for r in run.of_type(ROLE_ASSIGNMENT)) == sorted(
        [
            DIRECTORY_ROLE_TEMPLATE_IDS["User Administrator"],
            DIRECTORY_ROLE_TEMPLATE_IDS["Privileged Authentication Administrator"],
        ]
    )


def test_the_26_03_manifest_with_global_administrator(program: RunProgram) -> None:
    run = program({"privilegeSecureVersion": "26.03", "manageGlobalAdministrators": "true"})
    assert run.outputs["directoryRoles"].value == [
        "Global Administrator",
        "Privileged Authentication Administrator",
    ]
    assert DIRECTORY_ROLE_TEMPLATE_IDS["User Administrator"] not in {
        r.inputs["roleId"] for r in run.of_type(ROLE_ASSIGNMENT)
    }


def test_every_resource_is_a_child_of_the_component(program: RunProgram) -> None:
    run = program()
    component = only(run, COMPONENT)
    for resource in run.resources:
        if resource is not component:
            assert resource.parent == component.urn, resource.name


def test_stack_outputs(program: RunProgram) -> None:
    run = program()
    assert set(run.outputs) == OUTPUT_NAMES
    application = only(run, APPLICATION)
    values = {name: output.value for name, output in run.outputs.items()}
    assert values["tenantId"] == TENANT_ID
    assert values["clientId"] == application.outputs["clientId"]
    assert values["applicationObjectId"] == application.outputs["objectId"]
    assert values["servicePrincipalObjectId"] == only(run, SERVICE_PRINCIPAL).outputs["objectId"]
    assert values["applicationPermissions"] == list(MANIFESTS["4.1"].application_permissions)
    assert values["delegatedPermissions"] == ["User.Read"]
    assert values["directoryRoles"] == ["User Administrator"]
    assert values["privilegeSecureVersion"] == "4.1"
    assert values["passwordWritebackRequired"] is False


def test_client_secret_is_the_newest_secret_and_secret(program: RunProgram) -> None:
    run = program()
    newest = max(run.of_type(PASSWORD), key=lambda p: p.inputs["endDate"])
    assert run.outputs["clientSecret"].secret
    assert run.outputs["clientSecret"].value == newest.outputs["value"]
    assert run.outputs["clientSecretExpiresAt"].value == newest.inputs["endDate"]
    assert [name for name, output in run.outputs.items() if output.secret] == ["clientSecret"]


def test_the_secret_value_appears_nowhere_in_plain_text(program: RunProgram) -> None:
    run = program({"hybridTenant": "true"})
    secret = run.outputs["clientSecret"].value
    plain_outputs = [repr(o.value) for o in run.outputs.values() if not o.secret]
    assert not any(secret in text for text in plain_outputs)
    assert not any(secret in message for _, message in run.logs)


def test_hybrid_tenant_warns_about_password_writeback(program: RunProgram) -> None:
    run = program({"hybridTenant": "true"})
    assert run.outputs["passwordWritebackRequired"].value is True
    assert any("Password Writeback" in warning for warning in run.warnings)


def test_no_warning_for_a_cloud_only_tenant(program: RunProgram) -> None:
    assert program().warnings == []


def test_display_name_and_notes(program: RunProgram) -> None:
    run = program({"displayName": "NPS prod", "notes": "CHG-1234"})
    assert only(run, APPLICATION).inputs["displayName"] == "NPS prod"
    assert only(run, APPLICATION).inputs["notes"] == "CHG-1234"
    assert "notes" not in only(program(), APPLICATION).inputs


def test_a_tenant_whose_graph_ids_differ_gets_nothing(program: RunProgram) -> None:
    run = program(graph_overrides={"User.ReadWrite.All": "00000000-1111-2222-3333-444444444444"})
    assert run.error is not None
    assert "User.ReadWrite.All (Application) is pinned as 741f803b" in run.error
    assert "00000000-1111-2222-3333-444444444444" in run.error
    assert "\n" not in run.error
    # Checked before any child is declared: no application, secret, consent or role.
    assert [r.type for r in run.resources] == [COMPONENT]


def test_a_role_table_that_names_global_administrator_user_administrator_gets_nothing(
    program: RunProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team RT-00b: an edit of the table that the policy pack also reads would pass the pack
    (it maps ids to names through the same table); the tenant's own templates refuse it."""
    from entra_vocabulary import microsoft_ids

    global_administrator = microsoft_ids.DIRECTORY_ROLE_TEMPLATE_IDS["Global Administrator"]
    monkeypatch.setitem(
        microsoft_ids.DIRECTORY_ROLE_TEMPLATE_IDS, "User Administrator", global_administrator
    )

    run = program()

    assert run.error == (
        "Directory role template ids differ from policies/src/entra_vocabulary/microsoft_ids.py, "
        "so no role is assigned and nothing is declared: "
        f"User Administrator is pinned as {global_administrator} "
        "but this tenant's role template of that id is Global Administrator"
    )
    assert [r.type for r in run.resources] == [COMPONENT]


def test_a_tenant_that_reports_a_former_role_name_still_gets_its_role(
    program: RunProgram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entra renamed Company Administrator to Global Administrator; older answers still pass."""
    from mock_engine import engine

    templates = {
        ("Company Administrator" if name == "Global Administrator" else name): template_id
        for name, template_id in engine.TENANT_ROLE_TEMPLATES.items()
    }
    monkeypatch.setattr(engine, "TENANT_ROLE_TEMPLATES", templates)

    run = program({"manageGlobalAdministrators": "true"})

    assert run.error is None


def test_a_tenant_without_a_permission_gets_nothing(program: RunProgram) -> None:
    run = program(graph_overrides={"User.Read": ""})
    assert run.error is not None
    assert "User.Read (Delegated) is pinned as e1fe6dd8" in run.error
    assert "has no such permission" in run.error
    assert [r.type for r in run.resources] == [COMPONENT]


def test_preview_knows_every_permission_and_role_id(program: RunProgram) -> None:
    """A policy pack keys on these during `pulumi preview`, so they must never be unknown."""
    run = program(preview=True)
    assert run.error is None
    assert all(r.inputs["appRoleId"] is not UNKNOWN for r in run.of_type(APP_ROLE_ASSIGNMENT))
    assert all(r.inputs["roleId"] is not UNKNOWN for r in run.of_type(ROLE_ASSIGNMENT))
    assert only(run, SERVICE_PRINCIPAL).inputs["clientId"] is UNKNOWN
    assert run.outputs["clientSecret"].secret


@pytest.mark.parametrize("stack_file", ["Pulumi.dev.yaml"])
def test_shipped_stack_config_runs(program: RunProgram, stack_file: str) -> None:
    from mock_engine.engine import REPOSITORY, read_stack_config_file

    config = read_stack_config_file(REPOSITORY / stack_file)
    run = program({key.split(":", 1)[1]: value for key, value in config.values.items()})
    assert run.error is None
    assert run.outputs["privilegeSecureVersion"].value == "4.1"


def test_copies_of_a_preview_keep_unknowns_recognisable(program: RunProgram) -> None:
    import copy

    run = program(preview=True)
    copied = copy.deepcopy(run.resources)
    assert only(run, SERVICE_PRINCIPAL).inputs["clientId"] is UNKNOWN
    assert [r.inputs.get("clientId") for r in copied if r.type == SERVICE_PRINCIPAL] == [UNKNOWN]
    assert next(r for r in copied if r.type == SERVICE_PRINCIPAL).inputs["clientId"] is UNKNOWN


def test_the_graph_check_stops_the_constructor_itself(tmp_path: Path) -> None:
    """Raised while the component is built, so no child can be registered in the meantime."""
    program_file = tmp_path / "__main__.py"
    program_file.write_text(
        "import pulumi\n"
        "from components.app_registration import AppRegistration\n"
        "try:\n"
        "    AppRegistration('x', {'display_name': 'x'})\n"
        "except pulumi.RunError as error:\n"
        "    pulumi.export('refusedWhileBuilding', str(error))\n"
    )
    run = run_program({}, program=program_file, graph_overrides={"User.Read": ""})
    assert run.error is None
    assert "User.Read (Delegated)" in run.outputs["refusedWhileBuilding"].value
    assert [r.type for r in run.resources] == [COMPONENT]
