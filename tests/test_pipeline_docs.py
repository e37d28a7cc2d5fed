"""What the READMEs tell an operator about the pipelines: adding a tenant, the drift check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pipeline_files import (
    REPOSITORY,
)

# --- what the READMEs tell an operator -------------------------------------------------------


def adding_a_tenant_steps(text: str, heading: str) -> list[str]:
    """The numbers of the section's first four numbered steps."""
    section = text.split(heading, 1)[1]
    return [match[0] for match in re.findall(r"^(\d)\. (.+)$", section, flags=re.MULTILINE)[:4]]


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        (REPOSITORY / "README.md", "**Adding a tenant"),
        (REPOSITORY / "pipelines" / "README.md", "### Adding a tenant"),
    ],
    ids=["README", "pipelines-README"],
)
def test_adding_a_tenant_starts_with_the_backend_stack_and_ends_with_the_pull_request(
    path: Path, heading: str
) -> None:
    text = path.read_text()
    steps = adding_a_tenant_steps(text, heading)
    assert steps == ["1", "2", "3", "4"]
    section = text.split(heading, 1)[1]
    first_step = section[section.index("1. ") : section.index("2. ")]
    assert "pulumi stack init <org>/privilege-secure-entra/<stack> --secrets-provider" in first_step
    assert "before the pull request" in section[section.index("3. ") : section.index("4. ")]
    assert "by pull request" in section[section.index("4. ") :].split("\n\n")[0]


def test_the_readmes_document_the_drift_check_the_pipelines_run() -> None:
    for path in (REPOSITORY / "README.md", REPOSITORY / "pipelines" / "README.md"):
        text = " ".join(path.read_text().split())
        assert "pulumi refresh --preview-only --expect-no-changes" in text, path
        assert "pulumi preview --refresh --expect-no-changes` per stack" not in text, path
