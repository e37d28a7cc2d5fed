"""Issue #8's adversarial suite: every attack in ``tests/policies/attacks.py`` runs through the
real program under the engine mocks (``attacked_program.py``) and the real pack over the analyzer
protocol, in preview (unknown ids) and update modes, and must end as a mandatory violation of the
right policy, on the right resource. One pack process serves the module
(``tests/policies/conftest.py``).
"""

from __future__ import annotations

import pytest

from offline_preview.policy_client import PolicyPackClient
from tests.policies.attacks import ATTACKS, Attack
from tests.policies.program_harness import DEV, MODES, ProgramRuns, Scenario, judge_stack, show


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
    found = [
        d
        for d in verdict.mandatory
        if d.policy_name == attack.policy and d.urn.rsplit("::", 1)[-1] in attack.offenders
    ]
    assert found, (
        f"no mandatory {attack.policy} on {attack.offenders}:\n{show(verdict.diagnostics)}"
    )
    assert any(attack.needle in d.detail for d in found), show(tuple(found))
