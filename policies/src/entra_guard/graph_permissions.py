"""Which Microsoft Graph permissions the application may request and be consented.

Application permissions (app roles) are what make this integration Tier-0: one more, such as
``AppRoleAssignment.ReadWrite.All`` or ``Application.ReadWrite.All``, lets it grant itself
anything. Delegated permissions act as the signed-in user; only ``User.Read`` is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers import knobs
from entra_guard.helpers.values import UNKNOWN, Findings, elements, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.labels import (
    DEFAULT_APPLICATION_PERMISSIONS,
    DEFAULT_DELEGATED_PERMISSIONS,
    GRAPH_APP_ID,
    describe_permission_id,
    describe_permission_name,
    graph_permission_by_id,
    is_graph,
    listing,
)
from entra_vocabulary.microsoft_ids import PermissionType

APPLICATION_PERMISSIONS_POLICY: Final = "graph-application-permissions-allowlist"
DELEGATED_PERMISSIONS_POLICY: Final = "graph-delegated-permissions-allowlist"
ALLOWED_PERMISSIONS: Final = "allowedPermissions"


@dataclass(frozen=True)
class _Allowlist:
    """What differs between the application and the delegated allowlist; the checks are one.

    Only the application allowlist refuses another resource application and an unknown access
    type, so that one bad request is one finding, not two.
    """

    permission_type: PermissionType
    default: tuple[str, ...]
    api_access_ids: str
    """The ``ApplicationApiAccess`` property listing these permissions' ids."""
    judges_other_apis: bool
    missing: str | None
    """What a missing id is called (a violation of its own); ``None``: judged as the id ``None``."""
    consent_type: str
    """The resource type that consents to (grants) these permissions."""
    check_consent: Callable[[Mapping[str, Any], _Allowlist, tuple[str, ...], Findings], None]


def _graph_resource_accesses(
    props: Mapping[str, Any], allowlist: _Allowlist, findings: Findings
) -> list[tuple[str, Any]]:
    """``(property path, permission id)`` of every Graph entry of an Application of the
    allowlist's type (``Role`` or ``Scope``)."""
    access_type = allowlist.permission_type.resource_access_type
    flag_other_apps = allowlist.judges_other_apis
    accesses = elements(read(props, "requiredResourceAccesses"))
    if accesses is UNKNOWN:
        findings.unreviewable("requiredResourceAccesses")
        return []
    found: list[tuple[str, Any]] = []
    for i, access in enumerate(accesses):
        where = f"requiredResourceAccesses[{i}]"
        app_id = read(access, "resourceAppId")
        if app_id is UNKNOWN:
            findings.unreviewable(f"{where}.resourceAppId")
            continue
        if not is_graph(text(app_id)):
            if flag_other_apps:
                findings.violation(
                    f"{where}.resourceAppId {text(app_id)} is not Microsoft Graph; only "
                    f"Microsoft Graph ({GRAPH_APP_ID}) permissions may be requested"
                )
            continue
        entries = elements(read(access, "resourceAccesses"))
        if entries is UNKNOWN:
            findings.unreviewable(f"{where}.resourceAccesses")
            continue
        for j, entry in enumerate(entries):
            path = f"{where}.resourceAccesses[{j}]"
            kind = read(entry, "type")
            if kind is UNKNOWN:
                findings.unreviewable(f"{path}.type")
            elif kind == access_type:
                found.append((f"{path}.id", read(entry, "id")))
            elif kind not in ("Role", "Scope") and flag_other_apps:
                findings.violation(
                    f"{path}.type is {text(kind)}; only Role (application permission) or Scope "
                    "(delegated permission), spelled so, can be judged"
                )
    return found


def _check_id(
    where: str,
    permission_id: object,
    allowlist: _Allowlist,
    allowed: tuple[str, ...],
    findings: Findings,
) -> None:
    """One permission id against the allowlist (by name)."""
    if allowlist.missing is not None:
        if not findings.reviewable(where, permission_id, allowlist.missing):
            return
    elif permission_id is UNKNOWN:
        findings.unreviewable(where)
        return
    kind = allowlist.permission_type
    permission = graph_permission_by_id(text(permission_id), kind)
    if permission is None or permission.name not in allowed:
        findings.violation(
            f"{where}: {kind.value.lower()} permission "
            f"{describe_permission_id(text(permission_id), kind)} is not in the allowlist "
            f"{listing(allowed)}"
        )


def _check_assignment(
    props: Mapping[str, Any], allowlist: _Allowlist, allowed: tuple[str, ...], findings: Findings
) -> None:
    """An app role assignment: an allowlisted application permission."""
    _check_id("appRoleId", read(props, "appRoleId"), allowlist, allowed, findings)


def _check_grant(
    props: Mapping[str, Any], allowlist: _Allowlist, allowed: tuple[str, ...], findings: Findings
) -> None:
    """A delegated permission grant: allowlisted claim values, tenant-wide only."""
    for where, claim in _ids(props, "claimValues", findings):
        if claim is UNKNOWN:
            findings.unreviewable(where)
        elif text(claim) not in allowed:
            name = describe_permission_name(text(claim), allowlist.permission_type)
            findings.violation(
                f"{where}: delegated permission {name} is not in the allowlist {listing(allowed)}"
            )
    findings.refuse_set(
        props,
        "userObjectId",
        ": a delegated permission grant for a single user is not allowed; only a tenant-wide "
        "grant (no userObjectId) is",
    )


def _for_graph(props: Mapping[str, Any], findings: Findings, judges_other_apis: bool) -> bool:
    """Whether an ApplicationApiAccess is for Microsoft Graph (a violation when it is not and
    ``judges_other_apis``)."""
    api_client_id = read(props, "apiClientId")
    if api_client_id is UNKNOWN:
        findings.unreviewable("apiClientId")
        return False
    if not is_graph(text(api_client_id)):
        if judges_other_apis:
            findings.violation(
                f"apiClientId {text(api_client_id)} is not Microsoft Graph; only Microsoft Graph "
                f"({GRAPH_APP_ID}) permissions may be requested"
            )
        return False
    return True


def _ids(props: Mapping[str, Any], key: str, findings: Findings) -> list[tuple[str, Any]]:
    """``(property path, id)`` for every item of a list-of-ids property."""
    values = elements(read(props, key))
    if values is UNKNOWN:
        findings.unreviewable(key)
        return []
    return [(f"{key}[{i}]", value) for i, value in enumerate(values)]


def _requested(
    args: ResourceValidationArgs, allowlist: _Allowlist, findings: Findings
) -> list[tuple[str, Any]]:
    """``(property path, permission id)`` of every permission an Application or an
    ApplicationApiAccess requests from Microsoft Graph."""
    if args.resource_type == types.APPLICATION:
        return _graph_resource_accesses(args.props, allowlist, findings)
    if args.resource_type == types.APPLICATION_API_ACCESS and _for_graph(
        args.props, findings, allowlist.judges_other_apis
    ):
        return _ids(args.props, allowlist.api_access_ids, findings)
    return []


_APPLICATION_ALLOWLIST: Final = _Allowlist(
    permission_type=PermissionType.APPLICATION,
    default=DEFAULT_APPLICATION_PERMISSIONS,
    api_access_ids="roleIds",
    judges_other_apis=True,
    missing="an application permission id",
    consent_type=types.APP_ROLE_ASSIGNMENT,
    check_consent=_check_assignment,
)
_DELEGATED_ALLOWLIST: Final = _Allowlist(
    permission_type=PermissionType.DELEGATED,
    default=DEFAULT_DELEGATED_PERMISSIONS,
    api_access_ids="scopeIds",
    judges_other_apis=False,
    missing=None,
    consent_type=types.DELEGATED_PERMISSION_GRANT,
    check_consent=_check_grant,
)


def _validate(
    args: ResourceValidationArgs, report_violation: ReportViolation, allowlist: _Allowlist
) -> None:
    """Every permission of one type requested from Graph or consented is allowlisted."""
    allowed = knobs.string_list(args.get_config(), ALLOWED_PERMISSIONS, allowlist.default)
    findings = Findings()
    for where, permission_id in _requested(args, allowlist, findings):
        _check_id(where, permission_id, allowlist, allowed, findings)
    if args.resource_type == allowlist.consent_type:
        allowlist.check_consent(args.props, allowlist, allowed, findings)
    findings.report(report_violation)


def validate_application_permissions(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """Every application permission requested or consented is allowlisted and from Graph."""
    _validate(args, report_violation, _APPLICATION_ALLOWLIST)


def validate_delegated_permissions(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """Every delegated permission requested or granted is allowlisted; no single-user grants."""
    _validate(args, report_violation, _DELEGATED_ALLOWLIST)


APPLICATION_PERMISSIONS_DECLARATION: Final = Declaration(
    name=APPLICATION_PERMISSIONS_POLICY,
    description=(
        "Only allowlisted Microsoft Graph application permissions may be requested or "
        "consented, and Microsoft Graph is the only resource application."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_application_permissions,
    knobs={
        ALLOWED_PERMISSIONS: knobs.string_list_schema(
            "Microsoft Graph application permission names that may be requested "
            "(requiredResourceAccesses type Role, ApplicationApiAccess roleIds) and "
            "consented (AppRoleAssignment appRoleId).",
            DEFAULT_APPLICATION_PERMISSIONS,
        )
    },
    remediation=(
        "Request only the permissions of the Privilege Secure manifest "
        "(policies/src/entra_vocabulary/manifests.py). If a new version really needs another "
        "one, add it to the manifest and to policies/src/entra_vocabulary/microsoft_ids.py, and "
        "to allowedPermissions in the policy pack config, after a security review."
    ),
    tags=("entra-id", "tier-0", "least-privilege"),
)


DELEGATED_PERMISSIONS_DECLARATION: Final = Declaration(
    name=DELEGATED_PERMISSIONS_POLICY,
    description=(
        "Only allowlisted Microsoft Graph delegated permissions may be requested or granted, "
        "and only tenant-wide."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    kind=Kind.RESOURCE,
    validate=validate_delegated_permissions,
    knobs={
        ALLOWED_PERMISSIONS: knobs.string_list_schema(
            "Microsoft Graph delegated permission (scope) names that may be requested and granted.",
            DEFAULT_DELEGATED_PERMISSIONS,
        )
    },
    remediation=(
        "Request and grant only the manifest's delegated permissions (User.Read), with one "
        "tenant-wide ServicePrincipalDelegatedPermissionGrant and no userObjectId."
    ),
    tags=("entra-id", "least-privilege"),
)
