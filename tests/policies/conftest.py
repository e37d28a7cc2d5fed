"""The policy tests' fixtures: one pack process and one cached set of program runs for the whole
session (``tests/policies/program_harness.py``), at the one clock every suite shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline_preview.policy_client import PolicyPackClient
from tests.clock import NOW_EPOCH, pinned_environment
from tests.policies.program_harness import ProgramRuns


@pytest.fixture(scope="session")
def running_pack() -> Iterator[PolicyPackClient]:
    """One pack process for the session, started the way the CLI starts it."""
    with PolicyPackClient(env=pinned_environment()) as client:
        yield client


@pytest.fixture(scope="session")
def runs() -> ProgramRuns:
    return ProgramRuns(NOW_EPOCH)
