"""The end-to-end policy harness: the real program under the engine mocks, judged by the real
pack over the analyzer protocol (``tests/policies/conftest.py`` starts one pack for the session).

``Scenario`` names one run (stack file, manifest, mode, extra config and, for the adversarial
suite, an attack declared next to the program); ``ProgramRuns`` runs each scenario once per
module at one fixed instant.

The clock: the one clock of every suite (``tests/clock.py``): the program runs at it and the pack
process is started with it pinned, so both sides agree on "now" whatever the date the suite runs
on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pytest

from components.config import NAMESPACE
from entra_vocabulary.clock import SOURCE_DATE_EPOCH
from entra_vocabulary.manifests import MANIFESTS
from mock_engine.engine import (
    PROJECT,
    REPOSITORY,
    DeclaredResource,
    ProgramRun,
    read_stack_config_file,
    run_program,
)
from offline_preview.policy_client import PACK_DIRECTORY, PolicyDiagnostic, PolicyPackClient
from offline_preview.verdict import PolicyVerdict, judge

STACK_FILES: Final = tuple(sorted(REPOSITORY.glob("Pulumi.*.yaml")))
"""Every shipped stack config; ``Pulumi.yaml`` (the project file) does not match."""
DEV: Final = REPOSITORY / "Pulumi.dev.yaml"
"""The stack config the mutations and knob tests start from."""
VERSIONS: Final = tuple(MANIFESTS)
"""Every Privilege Secure manifest (4.1 and 26.03 today)."""
MODES: Final = {"update": False, "preview": True}

VERSION_KEY: Final = f"{NAMESPACE}:privilegeSecureVersion"
ATTACK_KEY: Final = "adversary:attack"
"""Which attack ``attacked_program.py`` declares (its own config namespace: the program's
refuses unknown keys)."""
ATTACKED_PROGRAM: Final = Path(__file__).resolve().parent / "attacked_program.py"
EXAMPLE_PACK_CONFIG: Final[dict[str, object]] = json.loads(
    (PACK_DIRECTORY / "config.example.json").read_text()
)
PACK_CONFIGS: Final[dict[str, Mapping[str, object]]] = {
    "default": {},
    "example": EXAMPLE_PACK_CONFIG,
}


def stack_name(stack_file: Path) -> str:
    """``dev`` for ``Pulumi.dev.yaml``."""
    return stack_file.name.removeprefix("Pulumi.").removesuffix(".yaml")


@dataclass(frozen=True)
class Scenario:
    """One run of the program: a stack file, a manifest, a mode and extra config."""

    stack_file: Path
    version: str
    preview: bool
    overrides: tuple[tuple[str, str], ...] = ()
    """Extra config by short key (``manageGlobalAdministrators``), as the CLI passes it."""
    stack_name: str | None = None
    """Run the stack file's config as another stack (the stack name is in every URN)."""
    attack: str | None = None
    """Run ``tests/policies/attacked_program.py`` instead: the real program plus this attack
    (an id of ``tests.policies.attacks.ATTACKS``) declared next to it."""

    @property
    def stack(self) -> str:
        return self.stack_name or stack_name(self.stack_file)


class ProgramRuns:
    """Each scenario's run, computed once per session at the one clock (``tests/clock.py``)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self._runs: dict[Scenario, ProgramRun] = {}
        self._baselines: dict[Scenario, PolicyVerdict] = {}

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch, UTC)

    def get(self, scenario: Scenario) -> ProgramRun:
        if scenario not in self._runs:
            config = read_stack_config_file(scenario.stack_file)
            values = {
                **config.values,
                VERSION_KEY: scenario.version,
                **{f"{NAMESPACE}:{key}": value for key, value in scenario.overrides},
            }
            program = REPOSITORY / "__main__.py"
            if scenario.attack is not None:
                values[ATTACK_KEY] = scenario.attack
                program = ATTACKED_PROGRAM
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv(SOURCE_DATE_EPOCH, str(self.epoch))
                run = run_program(
                    values,
                    stack=scenario.stack,
                    preview=scenario.preview,
                    secret_keys=config.secret_keys,
                    program=program,
                )
            assert run.error is None, f"{scenario}: the program stopped: {run.error}"
            self._runs[scenario] = run
        return self._runs[scenario]

    def baseline(self, pack: PolicyPackClient, scenario: Scenario) -> PolicyVerdict:
        """The pack's verdict on the unmutated run, with the default pack config."""
        if scenario not in self._baselines:
            self._baselines[scenario] = judge_stack(
                pack, self.get(scenario).resources, scenario.stack
            )
        return self._baselines[scenario]


def judge_stack(
    pack: PolicyPackClient,
    resources: list[DeclaredResource],
    stack: str = "dev",
    pack_config: Mapping[str, object] | None = None,
) -> PolicyVerdict:
    """What ``pulumi preview --policy-pack policies`` would report (``Configure`` sent anew)."""
    return judge(pack, resources, pack_config or {}, stack, PROJECT)


def show(diagnostics: tuple[PolicyDiagnostic, ...]) -> str:
    return "\n".join(
        f"{d.enforcement_level} {d.policy_name} @ {d.urn.rsplit('::', 1)[-1]}: {d.detail}"
        for d in diagnostics
    )


def mandatory_of(verdict: PolicyVerdict, policy: str) -> list[PolicyDiagnostic]:
    return [d for d in verdict.mandatory if d.policy_name == policy]
