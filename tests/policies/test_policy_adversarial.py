"""Issue #8's adversarial suite: every attack in ``tests/policies/attacks.py`` runs through the
real program under the engine mocks (``attacked_program.py``) and the real pack over the analyzer
protocol, in preview (unknown ids) and update modes, and must end as a mandatory violation of the
right policy, on the right resource. One pack process serves the module
(``tests/policies/conftest.py``).
"""

from __future__ import annotations

import io
import json
import tokenize
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import jsonschema
import pytest

from entra_vocabulary import resource_types as types
from entra_vocabulary.resource_types import PROGRAM_RESOURCE_TYPES
from mock_engine.engine import REPOSITORY, ProgramRun, read_stack_config_file, run_program
from offline_preview import cli
from offline_preview.plan import build_plan
from offline_preview.policy_client import PolicyPackClient
from offline_preview.render import render
from tests.policies.attacks import (
    ATTACKS,
    REAL_APPLICATION_OBJECT_ID,
    REAL_SERVICE_PRINCIPAL_OBJECT_ID,
    UNSEEN_ATTACKS,
    UPDATE_ONLY_ATTACK,
    Attack,
)
from tests.policies.program_harness import (
    ATTACK_KEY,
    ATTACKED_PROGRAM,
    DEV,
    MODES,
    ProgramRuns,
    Scenario,
    judge_stack,
    show,
)

PLAN_SCHEMA: Final = json.loads((REPOSITORY / "offline_preview" / "plan.schema.json").read_text())


def test_there_are_at_least_thirty_distinct_attacks() -> None:
    assert len({attack.id for attack in ATTACKS}) == len(ATTACKS) >= 30


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.id)
def test_each_attack_is_a_mandatory_violation(
    running_pack: PolicyPackClient, runs: ProgramRuns, attack: Attack, mode: str
) -> None:
    scenario = Scenario(DEV, "4.1", MODES[mode], attack.overrides, attack=attack.id)
    run = runs.get(scenario)

    verdict = judge_stack(running_pack, run.resources, scenario.stack, attack.pack_config)
    clean = runs.baseline(running_pack, Scenario(DEV, "4.1", MODES[mode]))

    assert clean.mandatory == (), show(clean.mandatory)
    attack.stopped_in(verdict, attack.offenders)


def test_a_resource_declared_only_outside_a_preview_is_stopped_by_a_resource_policy(
    running_pack: PolicyPackClient, runs: ProgramRuns
) -> None:
    """The preview shows nothing; the update stops it before it exists (Analyze, not
    AnalyzeStack, which in `pulumi up` runs after the changes)."""
    attack = UPDATE_ONLY_ATTACK
    preview = runs.get(Scenario(DEV, "4.1", True, attack=attack.id))
    update = runs.get(Scenario(DEV, "4.1", False, attack=attack.id))
    running_pack.configure({})

    resource_policy = [
        d
        for resource in update.resources
        for d in running_pack.analyze(resource)
        if d.enforcement_level == "mandatory"
    ]

    assert "attack-update-only" not in {r.name for r in preview.resources}
    assert [(d.policy_name, attack.is_said_in(d.detail)) for d in resource_policy] == [
        (attack.policy, True)
    ]


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("attack", UNSEEN_ATTACKS, ids=lambda attack: attack.id)
def test_what_the_pack_cannot_see_the_offline_preview_reports(
    runs: ProgramRuns, attack: Attack, mode: str
) -> None:
    scenario = Scenario(DEV, "4.1", MODES[mode], attack=attack.id)
    run = runs.get(scenario)

    plan = build_plan(scenario.stack, read_stack_config_file(DEV), run, None)
    text = render(plan, "text", None)
    markdown = render(plan, "markdown", None)

    jsonschema.validate(plan, PLAN_SCHEMA)
    found = [f for f in plan["unseenByThePack"] if f["check"] == attack.policy]
    assert {f["urn"].rsplit("::", 1)[-1] for f in found} <= set(attack.offenders)
    assert any(attack.is_said_in(f["message"]) for f in found), found
    assert f"[unseen by the pack] {attack.policy}" in text
    assert "#### What the policy pack cannot see" in markdown


@pytest.mark.parametrize(
    ("attack", "args", "shown"),
    [
        (
            "rt32-retained-rotation",
            ["--no-policy"],
            "[unseen by the pack] retainOnDelete (privilege-secure-client-secret-a)",
        ),
        (
            "federated-identity-credential",
            [],
            "[mandatory] credentials-client-secrets-only (attack-federated): a federated identity "
            "credential (ApplicationFederatedIdentityCredential)",
        ),
        (
            "dynamic-provider",
            ["--format", "markdown"],
            "| mandatory | `resource-types-allowlist` | `attack-dynamic` | resource type "
            "pulumi-python:dynamic:Resource is not allowed",
        ),
    ],
    ids=["unseen-by-the-pack", "new-policy-text", "new-policy-markdown"],
)
def test_the_offline_preview_shows_the_new_findings_and_fails(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    attack: str,
    args: list[str],
    shown: str,
) -> None:
    """The CLI, running the program with an attack declared next to it: exit 1, the finding
    shown (the pack's new policies, and what the pack cannot see)."""

    def attacked(config: Mapping[str, str], **options: Any) -> ProgramRun:
        return run_program({**config, ATTACK_KEY: attack}, **options, program=ATTACKED_PROGRAM)

    monkeypatch.setattr(cli, "run_program", attacked)

    code = cli.main(args)

    out = capsys.readouterr().out
    assert code == 1
    assert shown in out


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize(
    "overrides",
    [(), (("privilegeSecureVersion", "26.03"),), (("manageGlobalAdministrators", "true"),)],
    ids=["4.1", "26.03", "global-administrator"],
)
def test_every_type_the_program_declares_is_allowed_by_default(
    runs: ProgramRuns, overrides: tuple[tuple[str, str], ...], mode: str
) -> None:
    """The one tuple of the program's types: adding a type to the program is one line there."""
    run = runs.get(Scenario(DEV, "4.1", MODES[mode], overrides))

    declared = {r.type for r in run.resources} | {types.STACK}

    assert declared <= set(PROGRAM_RESOURCE_TYPES)


def test_the_default_types_are_only_what_the_program_declares(runs: ProgramRuns) -> None:
    """Nothing more is allowed by default than some run of the program declares."""
    declared = {types.STACK, types.PROVIDERS}
    for version in ("4.1", "26.03"):
        declared |= {r.type for r in runs.get(Scenario(DEV, version, False)).resources}

    assert set(PROGRAM_RESOURCE_TYPES) == declared


def test_no_resource_of_ours_outlives_its_removal(runs: ProgramRuns) -> None:
    """retainOnDelete / deletedWith never reach the pack: the program must not set them."""
    for version in ("4.1", "26.03"):
        for overrides in ((), (("protect", "true"),), (("manageGlobalAdministrators", "true"),)):
            run = runs.get(Scenario(DEV, version, False, overrides))
            assert [r.name for r in run.resources if r.retain_on_delete] == []
            assert [r.name for r in run.resources if r.deleted_with] == []


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_no_advice_to_own_or_protect_microsofts_service_principal(
    running_pack: PolicyPackClient, runs: ProgramRuns, mode: str
) -> None:
    """Item 10: on a production stack, the owners and protect policies say nothing about a
    first-party service principal (which must not be managed at all), and still advise on ours."""
    scenario = Scenario(
        DEV,
        "4.1",
        MODES[mode],
        attack="managed-exchange-online-service-principal",
        stack_name="prod-eu",
    )
    run = runs.get(scenario)

    verdict = judge_stack(running_pack, run.resources, scenario.stack)

    advice = {
        (d.policy_name, d.urn.rsplit("::", 1)[-1])
        for d in verdict.diagnostics
        if d.policy_name in ("owners-restricted", "protect-production")
    }
    assert advice == {
        ("protect-production", "privilege-secure-application"),
        ("protect-production", "privilege-secure-service-principal"),
    }, show(verdict.diagnostics)


UNSEEN_OPTIONS: Final = frozenset(
    {
        "retain_on_delete",
        "deleted_with",
        "transformations",
        "transforms",
        "register_resource_transform",
        "register_stack_transformation",
    }
)
"""Names that set what no policy pack sees (the analyzer protocol does not carry them)."""


@pytest.mark.parametrize(
    "source",
    sorted([REPOSITORY / "__main__.py", *(REPOSITORY / "components").glob("*.py")]),
    ids=lambda path: path.relative_to(REPOSITORY).as_posix(),
)
def test_the_program_never_names_an_option_the_pack_cannot_see(source: Path) -> None:
    """Red team R2-07: `retain_on_delete=not _under_mocks()` would pass both the run under mocks
    and the offline preview; the source itself must not name these options."""
    names = {
        token.string
        for token in tokenize.generate_tokens(io.StringIO(source.read_text()).readline)
        if token.type == tokenize.NAME
    }

    assert names & UNSEEN_OPTIONS == set()


def test_with_the_ids_pinned_a_laundered_recipient_is_stopped_during_the_update(
    running_pack: PolicyPackClient, runs: ProgramRuns
) -> None:
    """Red team R2-01 at `pulumi up`: a resource policy, not the post-hoc stack policy."""
    pinned = {
        "pinned-principal": {
            "servicePrincipalObjectIds": [REAL_SERVICE_PRINCIPAL_OBJECT_ID],
            "applicationObjectIds": [REAL_APPLICATION_OBJECT_ID],
        }
    }
    laundered = runs.get(
        Scenario(DEV, "4.1", False, attack="r2-01-consent-laundered-through-an-unknown")
    )
    clean = runs.get(Scenario(DEV, "4.1", False))
    running_pack.configure(pinned)

    def resource_policy(resources: list[Any]) -> list[tuple[str, str]]:
        return [
            (d.policy_name, resource.name)
            for resource in resources
            for d in running_pack.analyze(resource)
            if d.policy_name == "pinned-principal"
        ]

    assert resource_policy(laundered.resources) == [
        ("pinned-principal", "privilege-secure-consent-laundered")
    ]
    assert resource_policy(clean.resources) == []
