"""Issue #8's legitimate variations: the real program under the mocks, the real pack over the
analyzer protocol, preview and update modes, and nothing to report.

The lifetimes are judged on several dates: a pack process per date, started with that date as
``SOURCE_DATE_EPOCH`` (the pack believes an epoch that is earlier than the wall clock), and the
program run at the same instant.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import SOURCE_DATE_EPOCH, rfc3339
from mock_engine.engine import DEPLOYER_OBJECT_ID, fake_guid
from offline_preview.policy_client import PolicyPackClient
from tests.policies.program_harness import DEV, MODES, ProgramRuns, Scenario, judge_stack, show

OWNERS = json.dumps([DEPLOYER_OBJECT_ID, fake_guid("owner", "second")])

VARIATIONS: dict[str, tuple[tuple[tuple[str, str], ...], dict[str, object]]] = {
    "4.1": ((), {}),
    "26.03": ((("privilegeSecureVersion", "26.03"),), {}),
    "global-administrator-allowed": (
        (("manageGlobalAdministrators", "true"),),
        {"directory-role-allowlist": {"allowGlobalAdministrator": True}},
    ),
    "26.03-global-administrator-allowed": (
        (("privilegeSecureVersion", "26.03"), ("manageGlobalAdministrators", "true")),
        {"directory-role-allowlist": {"allowGlobalAdministrator": True}},
    ),
    "two-owners-allowlisted": (
        (("owners", OWNERS),),
        {"owners-from-component": {"allowedOwnerObjectIds": json.loads(OWNERS)}},
    ),
    "custom-name": ((("displayName", "PAM Service Account (prod)"),), {}),
    "unicode-name": ((("displayName", "Privilège Sécurisé — 特権アクセス"),), {}),
    "hybrid": ((("hybridTenant", "true"),), {}),
    "protect": ((("protect", "true"),), {}),
    "raised-secret-version": ((("secretVersion", "7"),), {}),
    "notes": ((("notes", "CHG-4711 approved by the security board"),), {}),
}


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("variation", VARIATIONS, ids=str)
def test_each_legitimate_variation_is_clean(
    running_pack: PolicyPackClient, runs: ProgramRuns, variation: str, mode: str
) -> None:
    overrides, pack_config = VARIATIONS[variation]
    scenario = Scenario(DEV, "4.1", MODES[mode], overrides)

    verdict = judge_stack(running_pack, runs.get(scenario).resources, scenario.stack, pack_config)

    assert verdict.diagnostics == (), show(verdict.diagnostics)


def test_a_protected_production_stack_is_clean(
    running_pack: PolicyPackClient, runs: ProgramRuns
) -> None:
    scenario = Scenario(DEV, "4.1", False, (("protect", "true"),), stack_name="prod-eu")
    owners = {"owners-from-component": {"allowedOwnerObjectIds": [DEPLOYER_OBJECT_ID]}}

    verdict = judge_stack(running_pack, runs.get(scenario).resources, scenario.stack, owners)

    assert verdict.diagnostics == (), show(verdict.diagnostics)


DATES = (
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 5, 26, 13, 37, 11, tzinfo=UTC),
    datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
)
"""Earlier than any day the suite runs on: the pack believes an earlier ``SOURCE_DATE_EPOCH``."""
LIFETIMES = (1, 2, 7, 30, 90, 180, 364, 365)
"""From the shortest to the longest lifetime the program accepts."""


@pytest.fixture(scope="module")
def packs_by_date() -> Iterator[dict[datetime, PolicyPackClient]]:
    """One pack process per date, its clock at that date."""
    packs = {
        date: PolicyPackClient(
            env={**os.environ, SOURCE_DATE_EPOCH: str(int(date.timestamp()))}
        ).start()
        for date in DATES
    }
    try:
        yield packs
    finally:
        for pack in packs.values():
            pack.stop()


@pytest.fixture(scope="module")
def runs_by_date() -> dict[datetime, ProgramRuns]:
    return {date: ProgramRuns(int(date.timestamp())) for date in DATES}


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("days", LIFETIMES)
@pytest.mark.parametrize("date", DATES, ids=lambda date: f"{date:%Y-%m-%d}")
def test_every_accepted_lifetime_passes_on_several_dates(
    packs_by_date: dict[datetime, PolicyPackClient],
    runs_by_date: dict[datetime, ProgramRuns],
    date: datetime,
    days: int,
    mode: str,
) -> None:
    scenario = Scenario(DEV, "4.1", MODES[mode], (("secretLifetimeDays", str(days)),))

    run = runs_by_date[date].get(scenario)
    verdict = judge_stack(packs_by_date[date], run.resources, scenario.stack)

    assert verdict.diagnostics == (), show(verdict.diagnostics)


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_the_run_after_a_missed_window_is_not_blocked(
    running_pack: PolicyPackClient, runs: ProgramRuns, mode: str
) -> None:
    """No `pulumi up` for a whole rotation window: the engine hands the pack the frozen previous
    slot's old inputs (``ignoreChanges``), with an end date in the past. An advisory note, never
    a blocker: this is the run that issues the replacement."""
    scenario = Scenario(DEV, "4.1", MODES[mode])
    resources = runs.get(scenario).resources
    secrets = [r for r in resources if r.type == types.APPLICATION_PASSWORD]
    previous = min(secrets, key=lambda r: str(r.inputs["endDate"]))
    assert "endDate" in previous.ignore_changes
    stale = dataclasses.replace(
        previous,
        inputs={**previous.inputs, "endDate": rfc3339(runs.now - timedelta(days=3))},
    )

    verdict = judge_stack(
        running_pack, [stale if r is previous else r for r in resources], scenario.stack
    )

    assert verdict.mandatory == (), show(verdict.mandatory)
    assert [(d.policy_name, d.enforcement_level, d.urn) for d in verdict.diagnostics] == [
        ("client-secret-expired", "advisory", previous.urn)
    ]
