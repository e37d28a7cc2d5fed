"""The pack as the Pulumi CLI runs it: a subprocess speaking the analyzer gRPC protocol."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Final

import pytest

from entra_guard.guardrails import DECLARATIONS
from entra_vocabulary import resource_types as types
from entra_vocabulary.unknown import UNKNOWN
from mock_engine.engine import DeclaredResource
from offline_preview.policy_client import (
    PACK_DIRECTORY,
    PolicyDiagnostic,
    PolicyPackClient,
)
from tests.clock import NOW
from tests.policies.policy_harness import (
    APPLICATION_URN,
    DEPLOYER,
    GLOBAL_ADMINISTRATOR_ID,
    application,
    application_password,
    program_stack,
    resource,
    role_assignment,
    with_properties,
)

EXAMPLE_CONFIG: Final = PACK_DIRECTORY / "config.example.json"
POLICY_LEVELS: Final = {d.name: d.level.value for d in DECLARATIONS}
"""Each policy's default level, as declared (the pack README's table pins them: see
test_policy_declarations.py); over the protocol the pack must report exactly these."""


USER_READWRITE_CONSENT = "privilege-secure-consent-User.ReadWrite.All"


@pytest.fixture
def pack(running_pack: PolicyPackClient) -> PolicyPackClient:
    """The shared pack, reset to its default configuration."""
    running_pack.configure({})
    return running_pack


def _in_days(days: int) -> str:
    """An RFC 3339 date relative to the one clock (the session's pack runs pinned to it)."""
    return f"{NOW + timedelta(days=days):%Y-%m-%dT00:00:00Z}"


def _current_program() -> list[DeclaredResource]:
    """The program's stack with secret end dates valid against today's date."""
    return [
        with_properties(r, endDate=_in_days(180)) if r.type == types.APPLICATION_PASSWORD else r
        for r in program_stack()
    ]


def _by_policy(diagnostics: list[PolicyDiagnostic]) -> dict[str, list[PolicyDiagnostic]]:
    grouped: dict[str, list[PolicyDiagnostic]] = {}
    for diagnostic in diagnostics:
        grouped.setdefault(diagnostic.policy_name, []).append(diagnostic)
    return grouped


def _preview(pack: PolicyPackClient, resources: list[DeclaredResource]) -> list[PolicyDiagnostic]:
    """What ``pulumi preview`` would collect: every resource, then the stack."""
    diagnostics = [d for r in resources for d in pack.analyze(r)]
    return diagnostics + pack.analyze_stack(resources)


def test_the_pack_declares_its_policies_levels_and_metadata(pack: PolicyPackClient) -> None:
    info = pack.analyzer_info()

    assert info.name == "privilege-secure-entra-guard"
    assert info.supports_config
    assert {p.name: p.enforcement_level for p in info.policies} == POLICY_LEVELS
    assert {p.name for p in info.policies if p.policy_type == "stack"} == {
        "client-secret-count",
        "consent-matches-request",
        "grant-recipients",
        "single-manifest",
        "component-shape",
    }
    for policy in info.policies:
        assert policy.description
        assert policy.remediation_steps
        assert policy.severity in {"medium", "high", "critical"}


def test_the_pack_declares_knob_schemas_with_defaults(pack: PolicyPackClient) -> None:
    info = pack.analyzer_info()

    expiry = info.policy("client-secret-expiry").config_schema["maxLifetimeDays"]
    roles = info.policy("directory-role-allowlist").config_schema
    assert expiry == {
        "type": "integer",
        "minimum": 1,
        "default": 365,
        "description": expiry["description"],
    }
    assert roles["allowGlobalAdministrator"]["default"] is False
    assert roles["allowedRoles"]["default"] == [
        "Privileged Authentication Administrator",
        "User Administrator",
    ]
    assert info.policy("protect-production").config_schema["protectedStacks"]["default"] == [
        "prod*"
    ]


def _schema_errors(schema: Mapping[str, object], value: object, where: str) -> list[str]:
    """The few JSON schema keywords the pack's knobs use."""
    assert isinstance(schema, Mapping)
    kind = schema.get("type")
    checks = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "array": isinstance(value, list),
    }
    if kind not in checks:
        return [f"{where}: unsupported schema type {kind!r}"]
    if not checks[str(kind)]:
        return [f"{where}: {value!r} is not {kind}"]
    errors: list[str] = []
    minimum = schema.get("minimum")
    if isinstance(minimum, int) and isinstance(value, int) and value < minimum:
        errors.append(f"{where}: {value} < {minimum}")
    if isinstance(value, list):
        if schema.get("uniqueItems") and len(set(map(str, value))) != len(value):
            errors.append(f"{where}: duplicate items")
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                errors += _schema_errors(items, item, f"{where}[{i}]")
    return errors


def test_the_example_config_validates_against_every_schema(pack: PolicyPackClient) -> None:
    example = json.loads(EXAMPLE_CONFIG.read_text())
    info = pack.analyzer_info()

    assert set(example) == set(POLICY_LEVELS)
    errors: list[str] = []
    for name, entry in example.items():
        schema = info.policy(name).config_schema
        assert entry["enforcementLevel"] in {"advisory", "mandatory", "remediate", "disabled"}
        for knob, value in entry.items():
            if knob == "enforcementLevel":
                continue
            if knob not in schema:
                errors.append(f"{name}.{knob}: not a knob of the policy")
            else:
                errors += _schema_errors(schema[knob], value, f"{name}.{knob}")
    assert errors == []


def test_the_example_config_is_accepted_and_the_program_passes(pack: PolicyPackClient) -> None:
    pack.configure(json.loads(EXAMPLE_CONFIG.read_text()))

    diagnostics = _preview(pack, _current_program())

    assert diagnostics == []


def test_the_program_passes_the_default_configuration(pack: PolicyPackClient) -> None:
    assert _preview(pack, _current_program()) == []


def test_analyze_reports_mandatory_violations_with_their_messages(pack: PolicyPackClient) -> None:
    target = application(
        signInAudience="AzureADMultipleOrgs", web={"redirectUris": ["https://evil.example/cb"]}
    )

    found = _by_policy(pack.analyze(target))

    assert set(found) == {"single-tenant-application", "no-interactive-sign-in-surface"}
    tenant = found["single-tenant-application"][0]
    assert tenant.enforcement_level == "mandatory"
    assert tenant.severity == "high"
    assert tenant.detail == (
        "signInAudience is AzureADMultipleOrgs; only AzureADMyOrg (this tenant only, the "
        "default) is allowed"
    )
    assert found["no-interactive-sign-in-surface"][0].detail.startswith("web.redirectUris is set")


def test_an_unknown_value_the_program_always_knows_is_mandatory(pack: PolicyPackClient) -> None:
    diagnostics = pack.analyze(role_assignment(UNKNOWN))

    assert len(diagnostics) == 1
    assert diagnostics[0].policy_name == "directory-role-allowlist"
    assert diagnostics[0].enforcement_level == "mandatory"
    assert diagnostics[0].detail.startswith("roleId is unknown during preview")


def test_an_unknown_value_that_may_be_computed_is_advisory(pack: PolicyPackClient) -> None:
    """Owners may be another resource's output: checked again at `pulumi up`."""
    pack.configure({"owners-from-component": {"allowedOwnerObjectIds": [DEPLOYER]}})
    diagnostics = [
        d for d in pack.analyze(application(owners=UNKNOWN)) if d.policy_name != "owners-restricted"
    ]

    assert len(diagnostics) == 1
    assert diagnostics[0].policy_name == "owners-from-component"
    assert diagnostics[0].enforcement_level == "advisory"
    assert "during preview: unknown during preview: owners" in diagnostics[0].message


def test_global_administrator_is_denied_until_configured(pack: PolicyPackClient) -> None:
    assignment = role_assignment(GLOBAL_ADMINISTRATOR_ID)

    denied = pack.analyze(assignment)
    pack.configure({"directory-role-allowlist": {"allowGlobalAdministrator": True}})
    allowed = pack.analyze(assignment)

    assert [d.policy_name for d in denied] == ["directory-role-allowlist"]
    assert denied[0].enforcement_level == "mandatory"
    assert allowed == []


def test_configure_sets_levels_including_all_and_disabled(pack: PolicyPackClient) -> None:
    target = application(signInAudience="AzureADMultipleOrgs", identifierUris=["api://x"])

    pack.configure({"all": "advisory", "no-interactive-sign-in-surface": "disabled"})
    diagnostics = pack.analyze(target)

    assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [
        ("single-tenant-application", "advisory")
    ]


def test_analyze_stack_reports_a_third_secret_on_the_application(pack: PolicyPackClient) -> None:
    resources = [*_current_program(), application_password("secret-c", endDate=_in_days(30))]

    diagnostics = pack.analyze_stack(resources)

    assert [(d.policy_name, d.enforcement_level, d.urn) for d in diagnostics] == [
        ("client-secret-count", "mandatory", APPLICATION_URN)
    ]
    assert "has 3 client secrets" in diagnostics[0].detail


def test_analyze_stack_reports_half_consent(pack: PolicyPackClient) -> None:
    resources = [r for r in _current_program() if r.name != USER_READWRITE_CONSENT]

    diagnostics = pack.analyze_stack(resources)

    assert [d.policy_name for d in diagnostics] == ["consent-matches-request"]
    assert "User.ReadWrite.All" in diagnostics[0].detail
    assert "half-consented" in diagnostics[0].detail


def test_protect_comes_from_the_resource_options(pack: PolicyPackClient) -> None:
    unprotected = resource(types.SERVICE_PRINCIPAL, "sp", {"owners": ["x"]}, stack="prod")
    protected = resource(
        types.SERVICE_PRINCIPAL, "sp", {"owners": ["x"]}, stack="prod", protect=True
    )

    pack.configure({"owners-from-component": {"allowedOwnerObjectIds": ["x"]}})
    flagged = pack.analyze(unprotected)
    passed = pack.analyze(protected)
    pack.configure({})

    assert [(d.policy_name, d.enforcement_level) for d in flagged] == [
        ("protect-production", "advisory")
    ]
    assert passed == []


def test_a_production_stack_must_pin_its_owners(pack: PolicyPackClient) -> None:
    """Red team R2-04: with no allowlist any owner passes, so production stacks must set one."""
    found = pack.analyze(resource(types.SERVICE_PRINCIPAL, "sp", {"owners": ["x"]}, stack="prod"))

    owners = [d for d in found if d.policy_name == "owners-from-component"]
    assert [d.enforcement_level for d in owners] == ["mandatory"]
    assert owners[0].detail.startswith("allowedOwnerObjectIds is empty on stack prod")


def test_a_pack_that_cannot_start_reports_its_stderr(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("raise SystemExit('broken pack')\n")

    with (
        PolicyPackClient(pack_directory=tmp_path) as client,
        pytest.raises(RuntimeError, match="broken pack"),
    ):
        client.analyzer_info()
