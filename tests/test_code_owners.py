"""Who may change the gate: CODEOWNERS covers everything the pack and the offline preview import or
read, and Azure DevOps' path filters are the same paths.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

from tests.pipeline_files import (
    REPOSITORY,
)
from tests.virtualenvs import local_only

# --- who may change the gate ------------------------------------------------------------------


CODE_OWNERS = REPOSITORY / ".github" / "CODEOWNERS"
TEAM = "@your-org/entra-security-reviewers"
GATE_ROOTS = ("policies", "offline_preview")
"""The gate: the policy pack, and the offline preview whose verdict a fork's pull request gets."""
IMPORT_ROOTS = (REPOSITORY, REPOSITORY / "policies" / "src")
"""Where the repository's packages import from: the root, and the pack's src/."""
PACKAGES = {
    path.name: root
    for root in IMPORT_ROOTS
    for path in root.iterdir()
    if (path / "__init__.py").is_file()
}
UNOWNED_AT_THE_ROOT = {"bench", "ARCHITECTURE.md"}
"""What may change without the security reviewers: never imported by the gate, the offline
preview, the tests or `pulumi up`, and run only on a developer's machine."""


def code_owner_rules() -> list[tuple[str, bool]]:
    """(pattern, whether it names the team) in file order; a pattern alone un-owns."""
    rules = [line.split() for line in CODE_OWNERS.read_text().splitlines()]
    rules = [rule for rule in rules if rule and not rule[0].startswith("#")]
    assert all(len(rule) == 1 or rule[1:] == [TEAM] for rule in rules), rules
    return [(rule[0], len(rule) == 2) for rule in rules]


def _matches(path: str, pattern: str) -> bool:
    """GitHub's rules for the patterns used here: `*` is everything, `/dir/` a tree, else a
    glob anchored at the root."""
    if pattern == "*":
        return True
    if pattern.endswith("/"):
        return f"/{path}".startswith(pattern)
    return fnmatch.fnmatch(f"/{path}", pattern)


def code_owned(path: str, rules: list[tuple[str, bool]]) -> bool:
    """Whether the team must review ``path``: the last rule that matches decides."""
    owned = False
    for pattern, names_the_team in rules:
        if _matches(path, pattern):
            owned = names_the_team
    return owned


def module_files(name: str) -> list[Path]:
    """The repository files importing ``name`` executes: each package's __init__, the module."""
    parts = name.split(".")
    if parts[0] not in PACKAGES:
        return []  # the standard library or a dependency (pinned by requirements*.txt)
    found: list[Path] = []
    for depth in range(1, len(parts) + 1):
        base = PACKAGES[parts[0]].joinpath(*parts[:depth])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                found.append(candidate)
    return found


def imported_and_read(source: Path) -> set[Path]:
    """The repository files ``source`` imports, and data files it names (read at run time)."""
    tree = ast.parse(source.read_text())
    root = max((r for r in IMPORT_ROOTS if source.is_relative_to(r)), key=lambda r: len(r.parts))
    package = ".".join(source.relative_to(root).with_suffix("").parts[:-1])
    found: set[Path] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(module_files(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(module_files(base))
            for alias in node.names:  # `from package import module`
                found.update(module_files(f"{base}.{alias.name}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value
            if re.fullmatch(r"[\w./-]+\.(json|md|csv|ya?ml|txt|toml)", name):
                for candidate in (source.parent / name, REPOSITORY / name):
                    if candidate.is_file():
                        found.add(candidate)
    return found


def gate_files() -> set[Path]:
    """Every repository file the gate imports or reads, transitively."""
    todo = [
        path
        for root in GATE_ROOTS
        for path in (REPOSITORY / root).rglob("*.py")
        if "venv" not in path.parts
    ]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix == ".py":
            todo.extend(imported_and_read(path))
    return seen


def test_code_owners_cover_everything_the_gate_imports_or_reads() -> None:
    """A fork's pull request is judged by the offline preview and the pack: code it can edit."""
    patterns = code_owner_rules()
    files = {str(path.relative_to(REPOSITORY)) for path in gate_files()}
    # the walk finds what the pack really uses (a walk that found nothing could not fail)
    for used in (
        "policies/__main__.py",
        "components/__init__.py",
        "components/settings.py",
        "components/secret_rotation.py",
        "policies/src/entra_vocabulary/microsoft_ids.py",
        "policies/src/entra_vocabulary/manifests.py",
        "offline_preview/verdict.py",
        "mock_engine/engine.py",
        "policies/src/entra_guard/guardrails.py",
    ):
        assert used in files, used
    assert [path for path in sorted(files) if not code_owned(path, patterns)] == []
    # and what decides the run: dependencies, CI, pipelines, this file, each stack's pack config
    for path in (
        "requirements.txt",
        "requirements-dev.txt",
        "requirements-runtime.txt",
        "pyproject.toml",
        "policies/pyproject.toml",
        "policies/requirements.txt",
        "policies/requirements-runtime.txt",
        "policies/config.example.json",
        "policies/stacks/contoso.json",
        ".ci/run",
        ".github/workflows/pulumi.yml",
        ".github/CODEOWNERS",
        "pipelines/azure-pipelines.yml",
        "pipelines/azure_fan_out.py",
        "policies/src/entra_vocabulary/graph_permission_ids.md",
        "__main__.py",
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.prod-eu.yaml",
    ):
        assert code_owned(path, patterns), path
    assert not code_owned("ARCHITECTURE.md", patterns)  # the check can say no
    assert not code_owned("bench/side_by_side.py", patterns)
    assert code_owned("tests/test_code_owners.py", patterns)  # the rules' own test


def test_everything_at_the_root_is_code_owned_but_the_benchmarks_and_notes() -> None:
    """The root is on sys.path of `pulumi up` and of every tool run from it: a file or folder
    added there (a module shadowing a dependency, a sitecustomize.py) runs with the deploy
    credentials, so only what never does may change without the security reviewers."""
    rules = code_owner_rules()
    tracked_at_the_root = {
        path.name + ("/any" if path.is_dir() else "")
        for path in REPOSITORY.iterdir()
        if not local_only(path.name)
    }
    unowned = {
        name.removesuffix("/any") for name in tracked_at_the_root if not code_owned(name, rules)
    }
    assert unowned == UNOWNED_AT_THE_ROOT
    for added in ("sitecustomize.py", "yaml/__init__.py", "usercustomize.py", "grpc.py"):
        assert code_owned(added, rules), added
    assert code_owned(".gitignore", rules)  # `pulumi policy publish` reads it too


def test_code_owners_and_the_azure_path_filters_are_the_same_paths() -> None:
    documentation = (REPOSITORY / "pipelines" / "README.md").read_text()
    filters = re.search(r"path filters `([^`]+)`", documentation.replace("\n", " "))
    assert filters is not None
    azure = [f.strip() for f in filters.group(1).split(";")]
    github = [
        ("" if owned else "!") + (f"{p}*" if p.endswith("/") else p)
        for p, owned in code_owner_rules()
    ]
    assert azure == github
    readme = (REPOSITORY / "README.md").read_text()
    assert TEAM in readme
    assert "Require review from Code Owners" in readme
