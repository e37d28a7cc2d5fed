"""The offline preview as data: a stable JSON document a pipeline can archive and compare.

Its shape is ``offline_preview/plan.schema.json`` (``PLAN_SCHEMA`` below names its version).
Every Microsoft GUID appears beside its name; secret values never appear, only ``[secret]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NotRequired, TypedDict

from entra_vocabulary import resource_types as types
from entra_vocabulary.labels import permission_label, permission_name, role_label, role_name
from entra_vocabulary.microsoft_ids import (
    MICROSOFT_GRAPH_APP_ID,
    MICROSOFT_GRAPH_DISPLAY_NAME,
    PermissionType,
    pinned_permission_ids,
)
from mock_engine.engine import (
    GRAPH_OBJECT_ID,
    UNKNOWN,
    DeclaredResource,
    ProgramRun,
    StackConfig,
)
from offline_preview.verdict import PolicyVerdict

APPLICATION: Final = PermissionType.APPLICATION
DELEGATED: Final = PermissionType.DELEGATED
PLAN_SCHEMA: Final = "privilege-secure-entra/offline-preview/v1"
MASK: Final = "[secret]"

_SCOPE_IDS: Final = pinned_permission_ids(DELEGATED)


class NamedId(TypedDict):
    name: str
    id: str


class PlannedResource(TypedDict):
    urn: str
    type: str
    name: str
    parent: str
    protect: bool
    summary: list[str]
    """What the resource does, in words, every GUID named."""
    dependsOn: list[str]
    inputs: dict[str, object]
    """As declared, secret values masked."""
    importId: NotRequired[str]
    """The existing Entra object this resource adopts (``import`` option); absent: created."""


class ClientSecret(TypedDict):
    name: str
    endDate: str
    role: str
    """``newest`` (the ``clientSecret`` output) or ``previous``."""


class Grants(TypedDict):
    """What the app may do once deployed, from the consent and role resources themselves."""

    applicationPermissions: list[NamedId]
    delegatedPermissions: list[NamedId]
    directoryRoles: list[NamedId]


class Violation(TypedDict):
    policy: str
    level: str
    message: str
    urn: str


class PolicyResult(TypedDict):
    pack: str
    version: str
    violations: list[Violation]
    mandatoryViolations: int


class UnseenFinding(TypedDict):
    """What the policy pack cannot see and this preview reports itself."""

    check: str
    message: str
    urn: str


class OutputValue(TypedDict):
    value: object
    secret: bool


class Plan(TypedDict):
    schema: str
    stack: str
    config: dict[str, str]
    resources: list[PlannedResource]
    grants: Grants
    clientSecrets: list[ClientSecret]
    outputs: dict[str, OutputValue]
    warnings: list[str]
    policy: PolicyResult | None
    """``None`` with ``--no-policy``."""
    unseenByThePack: list[UnseenFinding]
    """Resource options the analyzer protocol never carries (``retainOnDelete``,
    ``deletedWith``): reported here, since no policy can."""


def _resource_label(object_id: object) -> str:
    if object_id == GRAPH_OBJECT_ID:
        return MICROSOFT_GRAPH_DISPLAY_NAME
    return f"service principal {_shown(object_id)}"


def _shown(value: object) -> str:
    return "(known after apply)" if value is UNKNOWN else str(value)


@dataclass(frozen=True)
class _Secrets:
    """Which client secrets are the component's own, and which of them is the newest."""

    newest: frozenset[str]
    """URNs of the newest secret of each ``AppRegistration`` (the latest end date)."""
    previous: frozenset[str]
    """URNs of the component's other secrets."""
    rotates_at: str


def _component_secrets(run: ProgramRun) -> _Secrets:
    """Only a password parented by an ``AppRegistration`` is ours; the stack may hold others."""
    components = _component_urns(run)
    by_component: dict[str, list[DeclaredResource]] = {}
    for r in run.of_type(types.APPLICATION_PASSWORD):
        if r.parent in components:
            by_component.setdefault(r.parent, []).append(r)
    newest: set[str] = set()
    previous: set[str] = set()
    for passwords in by_component.values():
        ordered = sorted(passwords, key=lambda r: str(r.inputs.get("endDate")), reverse=True)
        newest.add(ordered[0].urn)
        previous.update(r.urn for r in ordered[1:])
    rotates_at = run.outputs.get("clientSecretRotatesAt")
    return _Secrets(
        frozenset(newest),
        frozenset(previous),
        str(rotates_at.value) if rotates_at is not None else "at the next rotation",
    )


def summarize(resource: DeclaredResource, secrets: _Secrets) -> list[str]:
    """One line per thing the resource grants or configures."""
    inputs = resource.inputs
    if resource.type == types.APPLICATION:
        lines = [
            f"display name: {inputs.get('displayName')}",
            f"sign-in audience: {inputs.get('signInAudience', 'AzureADMyOrg (default)')}",
        ]
        for access in inputs.get("requiredResourceAccesses") or []:
            for requested in access.get("resourceAccesses") or []:
                type = APPLICATION if requested.get("type") == "Role" else DELEGATED
                kind = type.value.lower()
                target = (
                    MICROSOFT_GRAPH_DISPLAY_NAME
                    if access.get("resourceAppId") == MICROSOFT_GRAPH_APP_ID
                    else f"app {access.get('resourceAppId')}"
                )
                label = permission_label(str(requested.get("id")), type)
                lines.append(f"requests {target} / {label} ({kind})")
        lines.append(f"owners: {', '.join(map(_shown, inputs.get('owners') or [])) or 'none'}")
        return lines
    if resource.type == types.SERVICE_PRINCIPAL:
        return [
            f"service principal for client id {_shown(inputs.get('clientId'))}",
            f"owners: {', '.join(map(_shown, inputs.get('owners') or [])) or 'none'}",
        ]
    if resource.type == types.APP_ROLE_ASSIGNMENT:
        return [
            f"AppRoleAssignment → {_resource_label(inputs.get('resourceObjectId'))} / "
            f"{permission_label(str(inputs.get('appRoleId')), APPLICATION)}"
        ]
    if resource.type == types.DELEGATED_PERMISSION_GRANT:
        scope = (
            f"for user {inputs['userObjectId']}"
            if inputs.get("userObjectId")
            else "tenant-wide (admin consent for all users)"
        )
        target = _resource_label(inputs.get("resourceServicePrincipalObjectId"))
        return [
            f"DelegatedPermissionGrant → {target} / {claim}, {scope}"
            for claim in inputs.get("claimValues") or []
        ]
    if resource.type == types.APPLICATION_PASSWORD:
        end_date = inputs.get("endDate")
        if resource.urn in secrets.newest:
            return [
                f"client secret, newest: expires {end_date}; "
                f"a new one is issued {secrets.rotates_at}"
            ]
        if resource.urn in secrets.previous:
            return [f"client secret, previous: expires {end_date}, when the newest takes over"]
        expiry = f"expires {end_date}" if end_date else "no end date set here"
        return [
            f"client secret of application {_shown(inputs.get('applicationId'))}, not part of "
            f"the AppRegistration component: {expiry}"
        ]
    if resource.type == types.SLEEP:
        return [f"waits {inputs.get('createDuration')} for the new service principal to replicate"]
    if resource.type == types.DIRECTORY_ROLE_ASSIGNMENT:
        scope = inputs.get("directoryScopeId") or "/"
        where = "tenant-wide" if scope == "/" else f"scope {scope}"
        return [f"DirectoryRoleAssignment → {role_label(str(inputs.get('roleId')))}, {where}"]
    return []


def _masked(value: object, secret: bool) -> object:
    if secret:
        return MASK
    if value is UNKNOWN:
        return "(known after apply)"
    if isinstance(value, Mapping):
        return {k: _masked(v, False) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, False) for v in value]
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)  # an asset or resource reference another program may declare


def build_plan(
    stack: str, config: StackConfig, run: ProgramRun, verdict: PolicyVerdict | None
) -> Plan:
    """The document for one offline preview (the run must have succeeded).

    The stack may hold resources besides the component: only the component's own children count
    as its grants and client secrets, and the document validates against its schema whatever the
    program declared.
    """
    outputs = run.outputs
    secrets = _component_secrets(run)
    components = _component_urns(run)
    ours = {r.urn for r in run.resources if r.parent in components}
    by_urn = {resource.urn: resource for resource in run.resources}
    resources: list[PlannedResource] = [
        {
            **({"importId": r.import_id} if r.import_id else {}),  # type: ignore[typeddict-item]
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "protect": r.protect,
            "summary": summarize(r, secrets),
            "dependsOn": sorted(
                {urn for urns in r.property_dependencies.values() for urn in urns}
                | set(r.dependencies),
                key=lambda urn: by_urn[urn].name if urn in by_urn else urn,
            ),
            "inputs": {k: _masked(v, k in r.secret_inputs) for k, v in sorted(r.inputs.items())},
        }
        for r in sorted(run.resources, key=_tree_order)
    ]
    return {
        "schema": PLAN_SCHEMA,
        "stack": stack,
        "config": {
            key: MASK if key in config.secret_keys else value
            for key, value in sorted(config.values.items())
        },
        "resources": resources,
        "grants": _grants([r for r in run.resources if r.urn in ours]),
        "clientSecrets": [
            {
                "name": r.name,
                "endDate": str(r.inputs.get("endDate")),
                "role": "newest" if r.urn in secrets.newest else "previous",
            }
            for r in sorted(run.of_type(types.APPLICATION_PASSWORD), key=lambda r: r.name)
            if r.urn in secrets.newest | secrets.previous
        ],
        "outputs": {
            name: {"value": _masked(output.value, output.secret), "secret": output.secret}
            for name, output in sorted(outputs.items())
        },
        "warnings": list(run.warnings),
        "policy": None if verdict is None else _policy(verdict),
        "unseenByThePack": unseen_by_the_pack(run.resources),
    }


def unseen_by_the_pack(resources: Sequence[DeclaredResource]) -> list[UnseenFinding]:
    """Every resource that keeps living in Entra after it leaves the stack.

    With ``retainOnDelete`` a revoked secret or a removed consent stays live in Entra while it
    leaves the state; with ``deletedWith`` Pulumi skips its delete when another resource goes.
    Neither reaches a policy pack, so this preview reports them itself.
    """
    findings: list[UnseenFinding] = []
    for r in sorted(resources, key=_tree_order):
        if r.retain_on_delete:
            findings.append(
                {
                    "check": "retainOnDelete",
                    "message": f"{r.name} sets retainOnDelete: removing it from the program "
                    "leaves it live in Entra (a revoked secret, a removed consent or role keeps "
                    "working); the policy pack cannot see this option",
                    "urn": r.urn,
                }
            )
        if r.deleted_with:
            findings.append(
                {
                    "check": "deletedWith",
                    "message": f"{r.name} sets deletedWith {r.deleted_with}: Pulumi skips its "
                    "delete, so it can stay live in Entra; the policy pack cannot see this option",
                    "urn": r.urn,
                }
            )
    return findings


_TYPE_ORDER: Final = (
    types.APPLICATION,
    types.SERVICE_PRINCIPAL,
    types.SLEEP,
    types.APP_ROLE_ASSIGNMENT,
    types.DELEGATED_PERMISSION_GRANT,
    types.APPLICATION_PASSWORD,
    types.DIRECTORY_ROLE_ASSIGNMENT,
)


def _tree_order(resource: DeclaredResource) -> tuple[int, str]:
    """The component first, then its children in the order of the seed's steps."""
    if not resource.custom:
        return (-1, resource.name)
    rank = _TYPE_ORDER.index(resource.type) if resource.type in _TYPE_ORDER else len(_TYPE_ORDER)
    return (rank, resource.name)


def _component_urns(run: ProgramRun) -> set[str]:
    return {r.urn for r in run.resources if r.type == types.COMPONENT}


def _grants(resources: Sequence[DeclaredResource]) -> Grants:
    application: list[NamedId] = []
    delegated: list[NamedId] = []
    roles: list[NamedId] = []
    for r in resources:
        if r.type == types.APP_ROLE_ASSIGNMENT:
            permission_id = str(r.inputs.get("appRoleId"))
            application.append(
                {"name": permission_name(permission_id, APPLICATION), "id": permission_id}
            )
        elif r.type == types.DELEGATED_PERMISSION_GRANT:
            delegated.extend(
                {"name": str(claim), "id": _SCOPE_IDS.get(str(claim), "")}
                for claim in r.inputs.get("claimValues") or []
            )
        elif r.type == types.DIRECTORY_ROLE_ASSIGNMENT:
            template_id = str(r.inputs.get("roleId"))
            roles.append({"name": role_name(template_id), "id": template_id})
    return {
        "applicationPermissions": sorted(application, key=lambda g: g["name"]),
        "delegatedPermissions": sorted(delegated, key=lambda g: g["name"]),
        "directoryRoles": sorted(roles, key=lambda g: g["name"]),
    }


def _policy(verdict: PolicyVerdict) -> PolicyResult:
    return {
        "pack": verdict.pack,
        "version": verdict.version,
        "violations": [
            {
                "policy": d.policy_name,
                "level": d.enforcement_level,
                "message": d.detail,
                "urn": d.urn,
            }
            for d in verdict.diagnostics
        ],
        "mandatoryViolations": len(verdict.mandatory),
    }
