"""Shared fixtures: run the real program under the repository's one set of engine-like mocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from mock_engine.engine import ProgramRun, run_program
from tests.clock import NOW_EPOCH

NOW = NOW_EPOCH
"""The one clock (``tests/clock.py``), as ``SOURCE_DATE_EPOCH``: every run is reproducible."""

RunProgram = Callable[..., ProgramRun]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))


@pytest.fixture
def program() -> RunProgram:
    """Run ``__main__.py`` with config given by short key (``displayName``) and return the run."""

    def run(config: Mapping[str, str] | None = None, **options: object) -> ProgramRun:
        full = {f"privilege-secure-entra:{key}": value for key, value in (config or {}).items()}
        return run_program(full, **options)  # type: ignore[arg-type]

    return run
