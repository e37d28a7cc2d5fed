"""The README stays true: its test command is CI's, and every key and output is documented."""

from __future__ import annotations

import re
from pathlib import Path

from components.settings import SETTINGS
from components.stack_outputs import STACK_OUTPUT_NAMES

REPOSITORY = Path(__file__).resolve().parent.parent
README = (REPOSITORY / "README.md").read_text()


def fenced_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README, flags=re.DOTALL)


def test_readme_gives_the_run_and_test_commands() -> None:
    run, test = fenced_commands()[:2]
    assert run.endswith("venv/bin/python -m offline_preview")
    assert test.endswith("venv/bin/python -m pytest")
    assert "pulumi up" in fenced_commands()[2]


def test_ci_runs_the_readme_run_and_test_commands_verbatim() -> None:
    ci_lines = (REPOSITORY / ".ci" / "run").read_text().splitlines()
    for command in fenced_commands()[:2]:
        assert command in ci_lines


def test_every_config_key_is_documented() -> None:
    for setting in SETTINGS:
        assert f"| `{setting.key}` |" in README, setting.key


def test_every_stack_output_is_documented() -> None:
    assert len(STACK_OUTPUT_NAMES) == 12
    for name in STACK_OUTPUT_NAMES.values():
        assert f"| `{name}` |" in README, name
