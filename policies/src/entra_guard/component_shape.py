"""One application and one service principal per component, each a single Entra object.

A second Application inside the component (a decoy that absorbs a secret), a twin
ServicePrincipal or Application that imports ours (``import`` skips every resource policy on the
run that imports it) or a Microsoft first-party service principal brought in the same way would
each pass the per-resource checks. This stack policy sees the whole stack, also on an import run
(red team R2-01c, R2-10).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers.stack_links import label
from entra_guard.helpers.values import UNKNOWN, Findings, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.first_party import first_party_name

COMPONENT_SHAPE_POLICY: Final = "component-shape"
_IDENTITIES: Final = ("objectId", "clientId")


def _check_one_each(resources: Sequence[PolicyResource], findings: Findings) -> None:
    """Each component declares exactly one application and one service principal."""
    for kind in (types.APPLICATION, types.SERVICE_PRINCIPAL):
        by_component: dict[str, list[PolicyResource]] = {}
        for resource in resources:
            parent = resource.parent
            if (
                resource.resource_type == kind
                and parent is not None
                and parent.resource_type == types.COMPONENT
            ):
                by_component.setdefault(parent.urn, []).append(resource)
        for found in by_component.values():
            for extra in found[1:]:
                findings.violation(
                    f"{label(extra)} is a second {kind.rsplit(':', 1)[-1]} of the component "
                    f"(beside {label(found[0])}): the component declares exactly one",
                    extra.urn,
                )


def _check_single_objects(resources: Sequence[PolicyResource], findings: Findings) -> None:
    """No two resources of a type manage the same Entra object (a twin that imports ours)."""
    for kind in (types.APPLICATION, types.SERVICE_PRINCIPAL):
        seen: dict[str, PolicyResource] = {}
        for resource in resources:
            if resource.resource_type != kind:
                continue
            for key in _IDENTITIES:
                value = read(resource.props, key)
                if value is None or value is UNKNOWN:
                    continue
                identity = f"{key}={text(value).strip().lower()}"
                first = seen.setdefault(identity, resource)
                if first is not resource:
                    findings.violation(
                        f"{label(resource)} and {label(first)} manage the same Entra object "
                        f"({key} {text(value)}): one of them imports the other's object",
                        resource.urn,
                    )


def _check_first_party(resources: Sequence[PolicyResource], findings: Findings) -> None:
    """The first-party check again, on the whole stack: an imported service principal skips the
    resource policy on the run that imports it."""
    for resource in resources:
        if resource.resource_type != types.SERVICE_PRINCIPAL:
            continue
        client_id = read(resource.props, "clientId")
        if client_id is None or client_id is UNKNOWN:
            continue
        name = first_party_name(text(client_id))
        if name is not None:
            findings.violation(
                f"{label(resource)} manages {name} (clientId {text(client_id)}): a Microsoft "
                "first-party service principal is never managed (a destroy deletes it)",
                resource.urn,
            )


def _check_one_component(resources: Sequence[PolicyResource], findings: Findings) -> None:
    """A stack holds one Tier-0 app: one ``privilegesecure:index:AppRegistration``.

    Any code can use the component's type token; a home-made component with it provides a decoy
    application that absorbs secrets or consents as "ours" (red team R3-08, R3-10).
    """
    components: dict[str, PolicyResource] = {}
    for resource in resources:
        for candidate in (resource, resource.parent):
            if candidate is not None and candidate.resource_type == types.COMPONENT:
                components.setdefault(candidate.urn, candidate)
    if len(components) < 2:
        return
    names = ", ".join(sorted(label(c) for c in components.values()))
    for component in components.values():
        findings.violation(
            f"{len(components)} {types.COMPONENT} components in the stack ({names}): a stack "
            "holds one Tier-0 application; deploy another one as its own stack",
            component.urn,
        )


def validate_component_shape(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """One component; one application and service principal in it; one resource per object."""
    findings = Findings()
    _check_one_component(args.resources, findings)
    _check_one_each(args.resources, findings)
    _check_single_objects(args.resources, findings)
    _check_first_party(args.resources, findings)
    findings.report(report_violation)


COMPONENT_SHAPE_DECLARATION: Final = Declaration(
    name=COMPONENT_SHAPE_POLICY,
    description=(
        "One component per stack, declaring one application and one service principal; no two "
        "resources manage the same Entra object; no Microsoft first-party service principal."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.STACK,
    validate=validate_component_shape,
    remediation=(
        "Remove the extra component, Application or ServicePrincipal (and any import of an "
        "object the stack already manages, or of a Microsoft service principal)."
    ),
    tags=("entra-id", "tier-0"),
)
