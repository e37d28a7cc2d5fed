"""The project files, against Pulumi's own project schema: what the CLI will accept and do."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from mock_engine.engine import REPOSITORY

PROJECT_SCHEMA = json.loads(
    (REPOSITORY / "tests" / "fixtures" / "pulumi-project-schema.json").read_text()
)
PROJECT_FILES = [
    REPOSITORY / "Pulumi.yaml",
    REPOSITORY / "examples" / "consumer" / "Pulumi.yaml",
    REPOSITORY / "examples" / "yaml" / "Pulumi.yaml",
]


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: str(p.relative_to(REPOSITORY)))
def test_every_project_file_is_a_valid_pulumi_project(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text()), PROJECT_SCHEMA)


def test_every_operation_refreshes_first() -> None:
    """Drift in the tenant (a revoked consent, a deleted secret) is read before any plan."""
    project = yaml.safe_load((REPOSITORY / "Pulumi.yaml").read_text())
    assert project["options"] == {"refresh": "always"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**project, "options": {"refresh": True}}, PROJECT_SCHEMA)
