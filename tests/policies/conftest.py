"""The end-to-end policy tests' fixtures: one pack process and one set of program runs per
module (``tests/policies/program_harness.py``)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from offline_preview.policy_client import PolicyPackClient
from tests.policies.program_harness import ProgramRuns


@pytest.fixture(scope="module")
def running_pack() -> Iterator[PolicyPackClient]:
    """One pack process for the module, started the way the CLI starts it."""
    with PolicyPackClient() as client:
        yield client


@pytest.fixture(scope="module")
def runs() -> ProgramRuns:
    return ProgramRuns(int(time.time()))
