"""The offline preview for people (text, markdown with a Mermaid diagram) and pipelines (JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

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


def _verdict_line(plan: Plan) -> str:
    policy = plan["policy"]
    if policy is None:
        return "Policy pack not run (--no-policy)."
    count = policy["mandatoryViolations"]
    verdict = "FAIL" if count else "PASS"
    return (
        f"Policy pack {policy['pack']}: {verdict}, {count} mandatory violation(s), "
        f"{len(policy['violations']) - count} other finding(s)."
    )


def _grant_lines(plan: Plan) -> Iterator[tuple[str, str]]:
    grants = plan["grants"]
    for label, key in (
        ("Application permissions", "applicationPermissions"),
        ("Delegated permissions", "delegatedPermissions"),
        ("Directory roles", "directoryRoles"),
    ):
        items = grants[key]  # type: ignore[literal-required]
        text = ", ".join(f"{g['name']} ({g['id']})" for g in items) or "none"
        yield label, text


def _diff_lines(diff: PlanDiff) -> Iterator[str]:
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


def _text(plan: Plan, diff: PlanDiff | None) -> Iterator[str]:
    yield f"Offline preview of stack {plan['stack']} (no tenant, no credentials, no Pulumi CLI)"
    yield ""
    yield f"Resources ({len(plan['resources'])}):"
    tree = _children(plan)

    def walk(resource: PlannedResource, depth: int) -> Iterator[str]:
        pad = "  " * (depth + 1)
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

    for root in _roots(plan):
        yield from walk(root, 0)
    yield ""
    yield "Grants:"
    for label, text in _grant_lines(plan):
        yield f"  {label}: {text}"
    yield ""
    yield "Outputs:"
    for name, output in plan["outputs"].items():
        yield f"  {name}: {json.dumps(output['value'])}"
    if plan["warnings"]:
        yield ""
        yield "Warnings:"
        for warning in plan["warnings"]:
            yield f"  warning: {warning}"
    if diff is not None:
        yield ""
        yield "Compared to the earlier plan:"
        for line in _diff_lines(diff):
            yield f"  {line}"
    yield ""
    for finding in plan["unseenByThePack"]:
        yield (
            f"  [unseen by the pack] {finding['check']} ({_where(finding['urn'])}): "
            + finding["message"]
        )
    policy = plan["policy"]
    if policy is not None:
        for violation in policy["violations"]:
            where = _where(violation["urn"])
            yield (
                f"  [{violation['level']}] {violation['policy']} ({where}): {violation['message']}"
            )
    yield _verdict_line(plan)


def _markdown(plan: Plan, diff: PlanDiff | None) -> Iterator[str]:
    yield f"### Offline preview of stack `{plan['stack']}`"
    yield ""
    yield f"**{_verdict_line(plan)}**"
    yield ""
    if diff is not None:
        yield "#### Compared to the base"
        yield ""
        yield "```diff"
        yield from _diff_lines(diff)
        yield "```"
        yield ""
    yield "#### What this stack grants"
    yield ""
    yield "| | |"
    yield "|---|---|"
    for label, text in _grant_lines(plan):
        yield f"| {label} | {_cell(text)} |"
    yield ""
    yield "#### Resources"
    yield ""
    yield "| resource | type | what it does |"
    yield "|---|---|---|"
    for resource in plan["resources"]:
        flag = " (protected)" if resource["protect"] else ""
        lines = [f"**imports** `{resource['importId']}`"] if "importId" in resource else []
        lines += [_cell(line) for line in resource["summary"]]
        kind = _short_type(resource["type"])
        yield f"| `{resource['name']}`{flag} | {kind} | {'<br>'.join(lines)} |"
    yield ""
    yield "```mermaid"
    yield from mermaid(plan)
    yield "```"
    yield ""
    yield "#### Outputs"
    yield ""
    yield "| output | value |"
    yield "|---|---|"
    for name, output in plan["outputs"].items():
        yield f"| `{name}` | {_cell(json.dumps(output['value']))} |"
    if plan["warnings"]:
        yield ""
        yield "#### Warnings"
        yield ""
        for warning in plan["warnings"]:
            yield f"- {warning}"
    if plan["unseenByThePack"]:
        yield ""
        yield "#### What the policy pack cannot see"
        yield ""
        for finding in plan["unseenByThePack"]:
            yield f"- `{_where(finding['urn'])}` {finding['check']}: {_cell(finding['message'])}"
    policy = plan["policy"]
    if policy is not None and policy["violations"]:
        yield ""
        yield "#### Policy findings"
        yield ""
        yield "| level | policy | resource | message |"
        yield "|---|---|---|---|"
        for v in policy["violations"]:
            where = _where(v["urn"])
            yield f"| {v['level']} | `{v['policy']}` | `{where}` | {_cell(v['message'])} |"


def _where(urn: str) -> str:
    """The resource name a finding is about, or ``stack`` for a stack-wide one."""
    return urn.rsplit("::", 1)[-1] if urn else "stack"


def _cell(text: str) -> str:
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
