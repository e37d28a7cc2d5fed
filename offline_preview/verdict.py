"""Send what the program declared through the real policy pack, as `pulumi preview` would."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mock_engine.engine import DeclaredResource
from offline_preview.policy_client import (
    AnalyzedResource,
    PolicyDiagnostic,
    PolicyPackClient,
    Secret,
)


@dataclass(frozen=True)
class PolicyVerdict:
    """Every diagnostic the pack reported, resource policies first, then stack policies."""

    pack: str
    version: str
    diagnostics: tuple[PolicyDiagnostic, ...]

    @property
    def mandatory(self) -> tuple[PolicyDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.enforcement_level == "mandatory")


_IDS: Final = ("id", "objectId", "clientId")
"""The provider-computed ids a stack policy links resources by."""


def analyzed(resource: DeclaredResource, state: bool = False) -> AnalyzedResource:
    """The analyzer's view of one registration: inputs, secrets marked, unknowns as on the wire.

    ``state``: as ``AnalyzeStack`` sees it, the inputs plus the ids the provider computed (the
    engine hands stack policies the resources' state); during a preview of a new stack there
    are none yet.
    """
    properties = dict(resource.inputs)
    if state:
        properties.update({k: resource.outputs[k] for k in _IDS if k in resource.outputs})
        if resource.id:
            properties["id"] = resource.id
    return AnalyzedResource(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        properties={
            key: _wire(value, secret=key in resource.secret_inputs)
            for key, value in properties.items()
        },
        protect=resource.protect,
        parent=resource.parent or None,
        dependencies=resource.dependencies,
        property_dependencies=resource.property_dependencies,
        ignore_changes=resource.ignore_changes,
    )


def _wire(value: object, secret: bool) -> object:
    """Secret inputs marked as the engine marks them (the client encodes unknowns)."""
    return Secret(value) if secret else value


def judge(
    pack: PolicyPackClient,
    resources: list[DeclaredResource],
    policy_config: Mapping[str, object],
    stack: str,
    project: str,
) -> PolicyVerdict:
    """``Configure``, ``Analyze`` each resource, then ``AnalyzeStack`` once, like the CLI."""
    info = pack.analyzer_info()
    pack.configure(policy_config)
    pack.configure_stack(stack=stack, project=project, dry_run=True)
    diagnostics: list[PolicyDiagnostic] = []
    for resource in resources:
        view = analyzed(resource)
        for diagnostic in pack.analyze(view):
            diagnostics.append(diagnostic if diagnostic.urn else _at(diagnostic, view.urn))
    diagnostics.extend(pack.analyze_stack([analyzed(r, state=True) for r in resources]))
    return PolicyVerdict(info.name, info.version, tuple(diagnostics))


def _at(diagnostic: PolicyDiagnostic, urn: str) -> PolicyDiagnostic:
    return PolicyDiagnostic(
        policy_name=diagnostic.policy_name,
        enforcement_level=diagnostic.enforcement_level,
        message=diagnostic.message,
        urn=urn,
        severity=diagnostic.severity,
    )
