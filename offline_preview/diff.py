"""What changed between two offline previews: the least-privilege diff a reviewer needs."""

from __future__ import annotations

from typing import TypedDict

from offline_preview.plan import Grants, NamedId, Plan

GRANT_KINDS = {
    "applicationPermissions": "application permission",
    "delegatedPermissions": "delegated permission",
    "directoryRoles": "directory role",
}


class GrantChange(TypedDict):
    kind: str
    """``application permission``, ``delegated permission`` or ``directory role``."""
    change: str
    """``added`` or ``removed``."""
    name: str
    id: str


class ResourceChange(TypedDict):
    urn: str
    name: str
    change: str
    """``added``, ``removed`` or ``changed``."""
    details: list[str]
    """For ``changed``: summary lines gone (``- ...``) and new (``+ ...``)."""


class PlanDiff(TypedDict):
    grants: list[GrantChange]
    resources: list[ResourceChange]
    outputs: list[str]
    """Names of non-secret outputs whose value changed."""


def compare(before: Plan, after: Plan) -> PlanDiff:
    """``after`` relative to ``before``."""
    return {
        "grants": _grant_changes(before["grants"], after["grants"]),
        "resources": _resource_changes(before, after),
        "outputs": sorted(
            name
            for name, output in after["outputs"].items()
            if not output["secret"]
            and name in before["outputs"]
            and before["outputs"][name]["value"] != output["value"]
        ),
    }


def _grant_changes(before: Grants, after: Grants) -> list[GrantChange]:
    changes: list[GrantChange] = []
    for key, kind in GRANT_KINDS.items():
        old = _keyed(before[key])  # type: ignore[literal-required]
        new = _keyed(after[key])  # type: ignore[literal-required]
        for grant_id in sorted(new.keys() - old.keys(), key=lambda i: new[i]):
            changes.append({"kind": kind, "change": "added", "name": new[grant_id], "id": grant_id})
        for grant_id in sorted(old.keys() - new.keys(), key=lambda i: old[i]):
            changes.append(
                {"kind": kind, "change": "removed", "name": old[grant_id], "id": grant_id}
            )
    return changes


def _keyed(grants: list[NamedId]) -> dict[str, str]:
    return {grant["id"] or grant["name"]: grant["name"] for grant in grants}


def _resource_changes(before: Plan, after: Plan) -> list[ResourceChange]:
    old = {r["urn"]: r for r in before["resources"]}
    new = {r["urn"]: r for r in after["resources"]}
    changes: list[ResourceChange] = []
    for urn, resource in new.items():
        if urn not in old:
            changes.append({"urn": urn, "name": resource["name"], "change": "added", "details": []})
        elif (
            resource["inputs"] != old[urn]["inputs"]
            or resource["protect"] != old[urn]["protect"]
            or resource.get("importId") != old[urn].get("importId")
        ):
            gone = [f"- {line}" for line in old[urn]["summary"] if line not in resource["summary"]]
            came = [f"+ {line}" for line in resource["summary"] if line not in old[urn]["summary"]]
            if resource["protect"] != old[urn]["protect"]:
                came.append(f"+ protect: {str(resource['protect']).lower()}")
            # A changed import id on a managed resource makes Pulumi delete it and import another.
            if resource.get("importId") != old[urn].get("importId"):
                came.append(f"+ imports: {resource.get('importId') or 'nothing (created)'}")
            changes.append(
                {"urn": urn, "name": resource["name"], "change": "changed", "details": gone + came}
            )
    for urn, resource in old.items():
        if urn not in new:
            changes.append(
                {"urn": urn, "name": resource["name"], "change": "removed", "details": []}
            )
    return changes
