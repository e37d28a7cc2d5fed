"""Send what the program declared through the real policy pack, as `pulumi preview` would."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mock_engine.engine import DeclaredResource
from offline_preview.policy_client import PolicyDiagnostic, PolicyPackClient


@dataclass(frozen=True)
class PolicyVerdict:
    """Every diagnostic the pack reported, resource policies first, then stack policies."""

    pack: str
    version: str
    diagnostics: tuple[PolicyDiagnostic, ...]

    @property
    def mandatory(self) -> tuple[PolicyDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.enforcement_level == "mandatory")


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
        for diagnostic in pack.analyze(resource):
            diagnostics.append(diagnostic if diagnostic.urn else _at(diagnostic, resource.urn))
    diagnostics.extend(pack.analyze_stack(resources))
    return PolicyVerdict(info.name, info.version, tuple(diagnostics))


def _at(diagnostic: PolicyDiagnostic, urn: str) -> PolicyDiagnostic:
    return PolicyDiagnostic(
        policy_name=diagnostic.policy_name,
        enforcement_level=diagnostic.enforcement_level,
        message=diagnostic.message,
        urn=urn,
        severity=diagnostic.severity,
    )
