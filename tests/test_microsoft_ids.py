"""Every Microsoft id in the code matches Microsoft's own tables (tests/fixtures/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from entra_vocabulary.manifests import MANIFESTS
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    GRAPH_PERMISSION_TABLE,
    GRAPH_PERMISSION_TABLE_FILE,
    GRAPH_PERMISSIONS,
    MICROSOFT_GRAPH_APP_ID,
    GraphPermission,
    PermissionType,
    _read_graph_permission_table,
    graph_permission,
)

REFERENCE = Path(__file__).parent / "fixtures" / "microsoft_reference.md"


GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _rows(section: str) -> list[list[str]]:
    """The three-cell table rows under ``section`` that hold a GUID (header rows hold none)."""
    text = REFERENCE.read_text()
    rows = []
    for line in text[text.index(section) :].splitlines()[1:]:
        if line.startswith("## "):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and any(GUID.fullmatch(cell) for cell in cells):
            rows.append(cells)
    return rows


MICROSOFT_PERMISSIONS = {
    (name, kind): permission_id
    for section in ("## Microsoft Graph permission IDs", "## Addendum")
    for name, kind, permission_id in _rows(section)
}
MICROSOFT_ROLES = {
    name: template_id for name, template_id, _ in _rows("## Microsoft Entra built-in role")
}


def test_the_reference_fixture_was_read() -> None:
    assert len(MICROSOFT_PERMISSIONS) == 16
    assert len(MICROSOFT_ROLES) == 7


@pytest.mark.parametrize("permission", GRAPH_PERMISSIONS, ids=lambda p: f"{p.name}-{p.type}")
def test_graph_permission_id_is_microsofts(permission: GraphPermission) -> None:
    assert MICROSOFT_PERMISSIONS[(permission.name, permission.type.value)] == permission.id


@pytest.mark.parametrize("role", sorted(DIRECTORY_ROLE_TEMPLATE_IDS))
def test_directory_role_template_id_is_microsofts(role: str) -> None:
    assert MICROSOFT_ROLES[role] == DIRECTORY_ROLE_TEMPLATE_IDS[role]


def test_the_table_holds_each_permission_once() -> None:
    keys = [(p.name, p.type) for p in GRAPH_PERMISSIONS]
    assert len(keys) == len(set(keys))
    assert len({p.id for p in GRAPH_PERMISSIONS}) == len(GRAPH_PERMISSIONS)


def test_microsoft_graph_app_id() -> None:
    assert MICROSOFT_GRAPH_APP_ID == "00000003-0000-0000-c000-000000000000"


@pytest.mark.parametrize("version", sorted(MANIFESTS))
def test_every_manifest_name_resolves_to_a_pinned_id(version: str) -> None:
    manifest = MANIFESTS[version]
    for name in manifest.application_permissions:
        assert graph_permission(name, PermissionType.APPLICATION).name == name
    for name in manifest.delegated_permissions:
        assert graph_permission(name, PermissionType.DELEGATED).name == name
    for role in manifest.roles_for(False) + manifest.roles_for(True):
        assert role in DIRECTORY_ROLE_TEMPLATE_IDS


def test_the_table_holds_nothing_no_manifest_asks_for() -> None:
    asked = {
        (name, PermissionType.APPLICATION)
        for manifest in MANIFESTS.values()
        for name in manifest.application_permissions
    } | {
        (name, PermissionType.DELEGATED)
        for manifest in MANIFESTS.values()
        for name in manifest.delegated_permissions
    }
    assert {(p.name, p.type) for p in GRAPH_PERMISSIONS} == asked


def test_an_unknown_permission_is_named_in_the_error() -> None:
    with pytest.raises(KeyError, match=r"Mail\.Sned"):
        graph_permission("Mail.Sned", PermissionType.APPLICATION)


def test_the_full_table_is_microsofts_published_one() -> None:
    """The pack names every Graph permission from it: all of Microsoft's rows, read as data."""
    text = GRAPH_PERMISSION_TABLE_FILE.read_text(encoding="utf-8")
    assert "microsoftgraph/microsoft-graph-docs-contrib" in text
    assert "43b498394ec440e548985309e1d8689c9e16adcf" in text
    table_rows = [line for line in text.splitlines() if GUID.search(line) and line.startswith("|")]
    assert len(GRAPH_PERMISSION_TABLE) == len(table_rows) > 700
    assert len({(p.name, p.type) for p in GRAPH_PERMISSION_TABLE}) == len(GRAPH_PERMISSION_TABLE)
    assert all(GUID.fullmatch(p.id) for p in GRAPH_PERMISSION_TABLE)


def test_every_pinned_row_of_the_fixture_matches_the_full_table() -> None:
    """The independent copy in tests/fixtures pins the rows the program uses, and more."""
    rows = {(p.name, p.type.value): p.id for p in GRAPH_PERMISSION_TABLE}
    for key, permission_id in MICROSOFT_PERMISSIONS.items():
        assert rows[key] == permission_id, key


def test_the_program_rows_are_rows_of_the_full_table() -> None:
    """One table of Graph ids: the manifest rows are selected from it, not written again."""
    assert set(GRAPH_PERMISSIONS) <= set(GRAPH_PERMISSION_TABLE)


@pytest.mark.parametrize(
    "row",
    [
        # A second row naming an allowed permission with another id (red team RT-00b).
        "| User.ReadWrite.All | Application | 06b708a9-e830-4db3-a914-8e69da51d44f |",
        # A second row for an id under another name.
        "| Innocent.Read | Application | 741f803b-c850-494e-b5df-cde7c675a1ca |",
    ],
)
def test_a_table_with_a_name_or_id_twice_refuses_to_load(tmp_path: Path, row: str) -> None:
    table = tmp_path / "graph_permission_ids.md"
    table.write_text(GRAPH_PERMISSION_TABLE_FILE.read_text(encoding="utf-8") + row + "\n")

    with pytest.raises(ValueError, match="is listed twice"):
        _read_graph_permission_table(table)
