"""End to end: the real program, under the engine mocks, through the real policy pack.

Every shipped stack config (each ``Pulumi.<stack>.yaml`` at the repository root) with each
Privilege Secure manifest, in update mode and in preview mode (provider-computed values unknown),
is run once per session; every resource it declares goes to one pack process over the analyzer
protocol (``Configure``, ``Analyze`` per resource, ``AnalyzeStack`` once), and must pass. Then the
declared resources are mutated the way a bad change would (a Global Administrator assignment, an
extra permission, a long-lived secret, a multi-tenant audience, ...) and the pack must stop each.
The bad changes, each with the finding that must stop it, are ``tests/policies/mutations.py``;
the harness (scenarios, runs, the clock) is ``tests/policies/program_harness.py``; the attacks a
change with commit access would write are ``attacks.py`` (run by ``test_policy_adversarial.py``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from components.config import NAMESPACE
from entra_guard.guardrails import PACK_NAME
from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import SOURCE_DATE_EPOCH
from entra_vocabulary.manifests import MANIFESTS
from mock_engine.engine import (
    DEPLOYER_OBJECT_ID,
    REPOSITORY,
    UNKNOWN,
    DeclaredResource,
    ProgramRun,
    fake_guid,
    read_stack_config_file,
    run_program,
)
from offline_preview.policy_client import PolicyPackClient
from offline_preview.verdict import PolicyVerdict
from tests.policies.mutations import (
    GLOBAL_ADMINISTRATOR_ID,
    MUTATIONS,
    Declared,
    Mutation,
    app_role_id_of,
    consent_to,
    multi_tenant,
    only_of_type,
)
from tests.policies.program_harness import (
    DEV,
    MODES,
    PACK_CONFIGS,
    STACK_FILES,
    VERSIONS,
    ProgramRuns,
    Scenario,
    judge_stack,
    mandatory_of,
    show,
    stack_name,
)

# --- the shipped configs pass ------------------------------------------------------------------


def test_every_shipped_stack_config_is_discovered() -> None:
    assert DEV in STACK_FILES
    assert REPOSITORY / "Pulumi.yaml" not in STACK_FILES
    assert {"4.1", "26.03"} <= set(VERSIONS)


@pytest.mark.parametrize("pack_config", PACK_CONFIGS, ids=str)
@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("version", VERSIONS, ids=str)
@pytest.mark.parametrize("stack_file", STACK_FILES, ids=stack_name)
def test_the_shipped_configs_have_no_mandatory_violation(
    running_pack: PolicyPackClient,
    runs: ProgramRuns,
    stack_file: Path,
    version: str,
    mode: str,
    pack_config: str,
) -> None:
    scenario = Scenario(stack_file, version, MODES[mode])
    run = runs.get(scenario)

    verdict = judge_stack(running_pack, run.resources, scenario.stack, PACK_CONFIGS[pack_config])

    assert verdict.pack == PACK_NAME
    assert {r.type for r in run.resources} >= {
        types.APPLICATION,
        types.SERVICE_PRINCIPAL,
        types.APP_ROLE_ASSIGNMENT,
        types.APPLICATION_PASSWORD,
        types.DIRECTORY_ROLE_ASSIGNMENT,
    }
    assert verdict.mandatory == (), show(verdict.mandatory)
    # The stack checks could follow every link (secret -> application, consent -> service
    # principal -> application), also with the ids unknown: no "can't run during preview" notes.
    unseen = tuple(d for d in verdict.diagnostics if "unknown during preview" in d.message)
    assert unseen == (), show(unseen)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_a_preview_sends_unknown_links_and_an_update_sends_none(
    runs: ProgramRuns, version: str
) -> None:
    preview = runs.get(Scenario(DEV, version, preview=True)).resources
    update = runs.get(Scenario(DEV, version, preview=False)).resources

    def unknown_inputs(resources: list[DeclaredResource]) -> set[tuple[str, str]]:
        return {(r.type, k) for r in resources for k, v in r.inputs.items() if v is UNKNOWN}

    assert (types.SERVICE_PRINCIPAL, "clientId") in unknown_inputs(preview)
    assert (types.APP_ROLE_ASSIGNMENT, "principalObjectId") in unknown_inputs(preview)
    assert (types.APPLICATION_PASSWORD, "applicationId") in unknown_inputs(preview)
    assert unknown_inputs(update) == set()


# --- Global Administrator needs the pack's switch ---------------------------------------------


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_managing_global_administrators_needs_the_pack_switch(
    running_pack: PolicyPackClient, runs: ProgramRuns, version: str, mode: str
) -> None:
    scenario = Scenario(DEV, version, MODES[mode], (("manageGlobalAdministrators", "true"),))
    run = runs.get(scenario)
    global_administrator_assignment = next(
        r
        for r in run.of_type(types.DIRECTORY_ROLE_ASSIGNMENT)
        if r.inputs["roleId"] == GLOBAL_ADMINISTRATOR_ID
    )

    denied = judge_stack(running_pack, run.resources, scenario.stack)
    allowed = judge_stack(
        running_pack,
        run.resources,
        scenario.stack,
        {"directory-role-allowlist": {"allowGlobalAdministrator": True}},
    )
    advisory = judge_stack(
        running_pack, run.resources, scenario.stack, {"directory-role-allowlist": "advisory"}
    )

    assert [(d.policy_name, d.urn) for d in denied.mandatory] == [
        ("directory-role-allowlist", global_administrator_assignment.urn)
    ], show(denied.diagnostics)
    assert f"Global Administrator ({GLOBAL_ADMINISTRATOR_ID})" in denied.mandatory[0].detail
    assert allowed.diagnostics == (), show(allowed.diagnostics)
    assert advisory.mandatory == ()
    assert [(d.policy_name, d.enforcement_level) for d in advisory.diagnostics] == [
        ("directory-role-allowlist", "advisory")
    ]


# --- the advisory policies -------------------------------------------------------------------


def _advice(verdict: PolicyVerdict) -> list[tuple[str, str, str]]:
    """Every finding as (policy, level, URN), sorted; none may be mandatory."""
    assert verdict.mandatory == ()
    return sorted((d.policy_name, d.enforcement_level, d.urn) for d in verdict.diagnostics)


def _the_two_identities(
    policy: str, resources: list[DeclaredResource]
) -> list[tuple[str, str, str]]:
    """``policy``'s advice on the application and on its service principal, and nothing else:
    both identities can sign in, so an advisory policy on one is on both."""
    return sorted(
        (policy, "advisory", only_of_type(resources, t).urn)
        for t in (types.APPLICATION, types.SERVICE_PRINCIPAL)
    )


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_too_many_owners_is_advisory_on_the_application_and_service_principal(
    running_pack: PolicyPackClient, runs: ProgramRuns, mode: str
) -> None:
    owners = json.dumps([fake_guid("owner", str(i)) for i in range(4)])
    run = runs.get(Scenario(DEV, "4.1", MODES[mode], (("owners", owners),)))

    verdict = judge_stack(running_pack, run.resources)

    assert _advice(verdict) == _the_two_identities("owners-restricted", run.resources), show(
        verdict.diagnostics
    )
    assert all("owners has 4 entries" in d.detail for d in verdict.diagnostics)


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_a_production_stack_without_protect_is_advisory(
    running_pack: PolicyPackClient, runs: ProgramRuns, mode: str
) -> None:
    def verdict_for(protect: str) -> tuple[ProgramRun, PolicyVerdict]:
        scenario = Scenario(DEV, "4.1", MODES[mode], (("protect", protect),), stack_name="prod-eu")
        run = runs.get(scenario)
        owners = {"owners-from-component": {"allowedOwnerObjectIds": [DEPLOYER_OBJECT_ID]}}
        return run, judge_stack(running_pack, run.resources, scenario.stack, owners)

    unprotected, flagged = verdict_for("false")
    _, passed = verdict_for("true")

    assert _advice(flagged) == _the_two_identities("protect-production", unprotected.resources), (
        show(flagged.diagnostics)
    )
    assert "protect is not set on stack prod-eu" in flagged.diagnostics[0].detail
    assert passed.diagnostics == (), show(passed.diagnostics)


# --- the program's own knobs against the pack's knobs -----------------------------------------


def test_the_program_refuses_a_lifetime_the_pack_would_refuse(runs: ProgramRuns) -> None:
    """Item 8 of issue #8: every value the program accepts passes the pack's defaults."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SOURCE_DATE_EPOCH, str(runs.epoch))
        config = read_stack_config_file(DEV).values
        run = run_program({**config, f"{NAMESPACE}:secretLifetimeDays": "366"})

    assert run.resources == []
    assert run.error is not None
    assert "secretLifetimeDays: got '366'" in run.error
    assert "client-secret-expiry maxLifetimeDays" in run.error


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_a_narrower_allowlist_names_each_permission_it_stops(
    running_pack: PolicyPackClient, runs: ProgramRuns, mode: str
) -> None:
    only_41 = {
        "graph-application-permissions-allowlist": {
            "allowedPermissions": list(MANIFESTS["4.1"].application_permissions)
        }
    }
    extra = sorted(
        set(MANIFESTS["26.03"].application_permissions)
        - set(MANIFESTS["4.1"].application_permissions)
    )
    run_41 = runs.get(Scenario(DEV, "4.1", MODES[mode]))
    run_2603 = runs.get(Scenario(DEV, "26.03", MODES[mode]))

    verdict = judge_stack(running_pack, run_2603.resources, pack_config=only_41)

    assert extra
    assert {d.policy_name for d in verdict.mandatory} == {"graph-application-permissions-allowlist"}
    application = only_of_type(run_2603.resources, types.APPLICATION)
    for name in extra:
        permission = f"application permission {name} ({app_role_id_of(name)})"
        consent = consent_to(run_2603.resources, name)
        on = {d.urn for d in verdict.mandatory if permission in d.detail}
        assert on == {application.urn, consent.urn}, show(verdict.mandatory)
    assert judge_stack(running_pack, run_41.resources, pack_config=only_41).mandatory == ()


# --- every bad change is stopped --------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("version", VERSIONS, ids=str)
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_each_bad_change_is_a_mandatory_violation(
    running_pack: PolicyPackClient,
    runs: ProgramRuns,
    mutation: Mutation,
    version: str,
    mode: str,
) -> None:
    scenario = Scenario(DEV, version, MODES[mode])
    resources = runs.get(scenario).resources
    before = copy.deepcopy(resources)

    mutated, offender = mutation.apply(resources, runs.now)
    baseline = runs.baseline(running_pack, scenario)
    verdict = judge_stack(running_pack, mutated, scenario.stack)

    assert resources == before, "the mutation changed the cached run"
    assert mandatory_of(baseline, mutation.policy) == []
    found = mutation.stopped_in(verdict, [offender])
    assert found[0].severity in {"medium", "high", "critical"}


def test_a_bad_change_is_only_advisory_when_the_pack_config_says_so(
    running_pack: PolicyPackClient, runs: ProgramRuns
) -> None:
    resources = runs.get(Scenario(DEV, "4.1", preview=True)).resources
    mutated, offender = multi_tenant(Declared(resources, runs.now))

    verdict = judge_stack(running_pack, mutated, pack_config={"all": "advisory"})

    assert verdict.mandatory == ()
    assert [(d.policy_name, d.enforcement_level, d.urn) for d in verdict.diagnostics] == [
        ("single-tenant-application", "advisory", offender)
    ]
