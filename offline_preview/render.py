"""The offline preview for people (text, markdown with a Mermaid diagram) and pipelines (JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from offline_preview.diff import PlanDiff
from offline_preview.plan import Plan, PlannedResource

FORMATS = ("text", "json", "markdown")


def render(plan: Plan, output_format: str, diff: PlanDiff | None = None) -> str:
    if output_format == "json":
        document: dict[str, object] = dict(plan)
        if diff is not None:
            document["comparedTo"] = diff
        return json.dumps(document, indent=2, sort_keys=False) + "\n"
    if output_format == "markdown":
        return "\n".join(_markdown(plan, diff)) + "\n"
    return "\n".join(_text(plan, diff)) + "\n"


def _short_type(type_token: str) -> str:
    """``azuread:index/application:Application`` → ``Application``."""
    return type_token.rsplit(":", 1)[-1]


def _children(plan: Plan) -> dict[str, list[PlannedResource]]:
    tree: dict[str, list[PlannedResource]] = {}
    for resource in plan["resources"]:
        tree.setdefault(resource["parent"], []).append(resource)
    return tree


def _roots(plan: Plan) -> list[PlannedResource]:
    urns = {r["urn"] for r in plan["resources"]}
    return [r for r in plan["resources"] if r["parent"] not in urns]


def verdict_line(plan: Plan) -> str:
    policy = plan["policy"]
    if policy is None:
        return "Policy pack not run (--no-policy)."
    count = policy["mandatoryViolations"]
    verdict = "FAIL" if count else "PASS"
    return (
        f"Policy pack {policy['pack']}: {verdict}, {count} mandatory violation(s), "
        f"{len(policy['violations']) - count} other finding(s)."
    )


def grant_lines(plan: Plan) -> Iterator[tuple[str, str]]:
    grants = plan["grants"]
    for label, key in (
        ("Application permissions", "applicationPermissions"),
        ("Delegated permissions", "delegatedPermissions"),
        ("Directory roles", "directoryRoles"),
    ):
        items = grants[key]  # type: ignore[literal-required]
        text = ", ".join(f"{g['name']} ({g['id']})" for g in items) or "none"
        yield label, text


def diff_lines(diff: PlanDiff) -> Iterator[str]:
    if not diff["grants"] and not diff["resources"] and not diff["outputs"]:
        yield "no change"
        return
    for grant in diff["grants"]:
        sign = "+" if grant["change"] == "added" else "-"
        yield f"{sign} {grant['kind']} {grant['name']} ({grant['id']}) {grant['change']}"
    for resource in diff["resources"]:
        sign = {"added": "+", "removed": "-", "changed": "~"}[resource["change"]]
        yield f"{sign} resource {resource['name']} {resource['change']}"
        for detail in resource["details"]:
            yield f"    {detail}"
    for name in diff["outputs"]:
        yield f"~ output {name} changed"


def _text_section(title: str, lines: Iterable[str]) -> Iterator[str]:
    """A section of the text format: a blank line, ``title:``, each line indented under it."""
    yield ""
    yield f"{title}:"
    for line in lines:
        yield f"  {line}"


def _markdown_section(title: str, lines: Iterable[str]) -> Iterator[str]:
    """A section of the markdown format: a blank line, a level-4 heading, a blank line, lines."""
    yield ""
    yield f"#### {title}"
    yield ""
    yield from lines


def _text(plan: Plan, diff: PlanDiff | None) -> Iterator[str]:
    yield f"Offline preview of stack {plan['stack']} (no tenant, no credentials, no Pulumi CLI)"
    tree = _children(plan)

    def walk(resource: PlannedResource, depth: int) -> Iterator[str]:
        pad = "  " * depth
        flag = "  [protected]" if resource["protect"] else ""
        # Pulumi's own markers: `+` create, `=` import.
        op = "=" if "importId" in resource else "+"
        yield f"{pad}{op} {_short_type(resource['type'])} {resource['name']}{flag}"
        if "importId" in resource:
            yield f"{pad}    imports {resource['importId']}"
        for line in resource["summary"]:
            yield f"{pad}    {line}"
        for child in tree.get(resource["urn"], []):
            yield from walk(child, depth + 1)

    resources = (line for root in _roots(plan) for line in walk(root, 0))
    yield from _text_section(f"Resources ({len(plan['resources'])})", resources)
    yield from _text_section("Grants", (f"{label}: {text}" for label, text in grant_lines(plan)))
    outputs = plan["outputs"].items()
    yield from _text_section(
        "Outputs", (f"{name}: {json.dumps(output['value'])}" for name, output in outputs)
    )
    if plan["warnings"]:
        yield from _text_section("Warnings", (f"warning: {w}" for w in plan["warnings"]))
    if diff is not None:
        yield from _text_section("Compared to the earlier plan", diff_lines(diff))
    yield ""
    for finding in plan["unseenByThePack"]:
        yield (
            f"  [unseen by the pack] {finding['check']} ({finding_place(finding['urn'])}): "
            + finding["message"]
        )
    policy = plan["policy"]
    if policy is not None:
        for violation in policy["violations"]:
            where = finding_place(violation["urn"])
            yield (
                f"  [{violation['level']}] {violation['policy']} ({where}): {violation['message']}"
            )
    yield verdict_line(plan)


def _markdown(plan: Plan, diff: PlanDiff | None) -> Iterator[str]:
    yield f"### Offline preview of stack `{plan['stack']}`"
    yield ""
    yield f"**{verdict_line(plan)}**"
    if diff is not None:
        yield from _markdown_section("Compared to the base", ["```diff", *diff_lines(diff), "```"])
    grants = (f"| {label} | {table_cell(text)} |" for label, text in grant_lines(plan))
    yield from _markdown_section("What this stack grants", ["| | |", "|---|---|", *grants])
    yield from _markdown_section("Resources", _markdown_resources(plan))
    outputs = (
        f"| `{name}` | {table_cell(json.dumps(output['value']))} |"
        for name, output in plan["outputs"].items()
    )
    yield from _markdown_section("Outputs", ["| output | value |", "|---|---|", *outputs])
    if plan["warnings"]:
        yield from _markdown_section("Warnings", (f"- {w}" for w in plan["warnings"]))
    if plan["unseenByThePack"]:
        unseen = (
            f"- `{finding_place(f['urn'])}` {f['check']}: {table_cell(f['message'])}"
            for f in plan["unseenByThePack"]
        )
        yield from _markdown_section("What the policy pack cannot see", unseen)
    policy = plan["policy"]
    if policy is not None and policy["violations"]:
        findings = (
            f"| {v['level']} | `{v['policy']}` | `{finding_place(v['urn'])}` | "
            f"{table_cell(v['message'])} |"
            for v in policy["violations"]
        )
        yield from _markdown_section(
            "Policy findings",
            ["| level | policy | resource | message |", "|---|---|---|---|", *findings],
        )


def _markdown_resources(plan: Plan) -> Iterator[str]:
    """The resources as a table, then the Mermaid diagram of what needs what."""
    yield "| resource | type | what it does |"
    yield "|---|---|---|"
    for resource in plan["resources"]:
        flag = " (protected)" if resource["protect"] else ""
        lines = [f"**imports** `{resource['importId']}`"] if "importId" in resource else []
        lines += [table_cell(line) for line in resource["summary"]]
        kind = _short_type(resource["type"])
        yield f"| `{resource['name']}`{flag} | {kind} | {'<br>'.join(lines)} |"
    yield ""
    yield "```mermaid"
    yield from mermaid(plan)
    yield "```"


def finding_place(urn: str) -> str:
    """The resource name a finding is about, or ``stack`` for a stack-wide one."""
    return urn.rsplit("::", 1)[-1] if urn else "stack"


def table_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def mermaid(plan: Plan) -> Iterator[str]:
    """A flowchart: the component as a subgraph, arrows from each resource to what it needs."""
    ids = {r["urn"]: f"r{index}" for index, r in enumerate(plan["resources"])}
    tree = _children(plan)
    yield "flowchart LR"

    def node(resource: PlannedResource) -> str:
        label = f"{_short_type(resource['type'])}<br/>{resource['name']}"
        return f'{ids[resource["urn"]]}["{_mermaid_text(label)}"]'

    def walk(resource: PlannedResource, depth: int) -> Iterator[str]:
        pad = "  " * (depth + 1)
        children = tree.get(resource["urn"], [])
        if children:
            label = _mermaid_text(f"{_short_type(resource['type'])} {resource['name']}")
            yield f'{pad}subgraph {ids[resource["urn"]]}["{label}"]'
            for child in children:
                yield from walk(child, depth + 1)
            yield f"{pad}end"
        else:
            yield pad + node(resource)

    for root in _roots(plan):
        yield from walk(root, 0)
    yield '  msgraph[("Microsoft Graph<br/>(looked up, not managed)")]'
    for resource in plan["resources"]:
        for dependency in resource["dependsOn"]:
            if dependency in ids and dependency != resource["parent"]:
                yield f"  {ids[resource['urn']]} --> {ids[dependency]}"
        if any("Microsoft Graph /" in line for line in resource["summary"]):
            yield f"  {ids[resource['urn']]} --> msgraph"


def _mermaid_text(text: str) -> str:
    return re.sub(
        r'["<>]', lambda m: {"<": "#lt;", ">": "#gt;", '"': "#quot;"}[m[0]], text
    ).replace("#lt;br/#gt;", "<br/>")
