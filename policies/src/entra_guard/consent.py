"""Consent matches the request: what is granted is requested, and what is requested is granted.

An app role assignment or delegated grant the application does not request is a right nobody
reviews in the app registration; a requested permission without consent makes the integration
fail at run time (half-consented). Links: grant or assignment -> our service principal (by
``principalObjectId``/``servicePrincipalObjectId``) -> application (by ``clientId``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers.stack_links import label, linked, of_type
from entra_guard.helpers.values import UNKNOWN, Findings, elements, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.labels import (
    describe_permission_id,
    describe_permission_name,
    graph_permission_by_name,
)
from entra_vocabulary.microsoft_ids import PermissionType

CONSENT_POLICY: Final = "consent-matches-request"
_SP_IDS: Final = ("objectId", "id")


@dataclass
class _Requested:
    """What one application asks for: app role ids and scope ids (both keyed in lower case)."""

    roles: dict[str, str] = field(default_factory=dict)
    scopes: dict[str, str] = field(default_factory=dict)


def _requested(application: PolicyResource, findings: Findings) -> _Requested | None:
    """The application's requested permissions, or ``None`` when they are unknown."""
    accesses = elements(read(application.props, "requiredResourceAccesses"))
    if accesses is UNKNOWN:
        findings.unknown(f"{label(application)} requiredResourceAccesses")
        return None
    requested = _Requested()
    for access in accesses:
        entries = elements(read(access, "resourceAccesses"))
        if entries is UNKNOWN:
            findings.unknown(f"{label(application)} requiredResourceAccesses")
            return None
        for entry in entries:
            kind, permission_id = read(entry, "type"), read(entry, "id")
            if kind is UNKNOWN or permission_id is UNKNOWN:
                findings.unknown(f"{label(application)} requiredResourceAccesses")
                return None
            if kind == "Role":
                requested.roles[text(permission_id).lower()] = text(permission_id)
            elif kind == "Scope":
                requested.scopes[text(permission_id).lower()] = text(permission_id)
    return requested


def _scope_key(claim: str) -> str:
    """A granted scope name as the id it stands for (lower case), so that request and grant
    compare by id; a name Microsoft does not publish keeps its name (it matches no id)."""
    permission = graph_permission_by_name(claim, PermissionType.DELEGATED)
    return permission.id.lower() if permission is not None else f"name:{claim}"


def _belongs_to(
    resource: PolicyResource,
    prop: str,
    ours: Sequence[PolicyResource],
    service_principals: Sequence[PolicyResource],
    findings: Findings,
) -> bool | None:
    """Whether ``resource.props[prop]`` is one of ``ours``; ``None`` when that is unknown."""
    target = linked(resource, prop, service_principals, _SP_IDS)
    if target is UNKNOWN:
        findings.unknown(f"{label(resource)} {prop}")
        return None
    return isinstance(target, PolicyResource) and any(target.urn == sp.urn for sp in ours)


def _check_application(
    application: PolicyResource, args: StackValidationArgs, findings: Findings
) -> None:
    """Consent of one application's service principals against its request."""
    requested = _requested(application, findings)
    if requested is None:
        return
    service_principals = of_type(args.resources, types.SERVICE_PRINCIPAL)
    applications = of_type(args.resources, types.APPLICATION)
    ours = [
        sp
        for sp in service_principals
        if linked(sp, "clientId", applications, ("clientId",)) is application
    ]
    complete = True
    consented_roles: set[str] = set()
    for assignment in of_type(args.resources, types.APP_ROLE_ASSIGNMENT):
        belongs = _belongs_to(assignment, "principalObjectId", ours, service_principals, findings)
        complete = complete and belongs is not None
        if not belongs:
            continue
        role_id = read(assignment.props, "appRoleId")
        if role_id is UNKNOWN or role_id is None:
            findings.unknown(f"{label(assignment)} appRoleId")
            complete = False
            continue
        consented_roles.add(text(role_id).lower())
        if text(role_id).lower() not in requested.roles:
            findings.violation(
                f"{label(assignment)} appRoleId "
                f"{describe_permission_id(text(role_id), PermissionType.APPLICATION)} is "
                f"consented but {label(application)} does not request it in "
                "requiredResourceAccesses",
                assignment.urn,
            )
    consented_scopes: set[str] = set()
    for grant in of_type(args.resources, types.DELEGATED_PERMISSION_GRANT):
        belongs = _belongs_to(grant, "servicePrincipalObjectId", ours, service_principals, findings)
        complete = complete and belongs is not None
        if not belongs:
            continue
        claims = elements(read(grant.props, "claimValues"))
        if claims is UNKNOWN or UNKNOWN in claims:
            findings.unknown(f"{label(grant)} claimValues")
            complete = False
            continue
        for claim in claims:
            consented_scopes.add(_scope_key(text(claim)))
            if _scope_key(text(claim)) not in requested.scopes:
                findings.violation(
                    f"{label(grant)} claimValues "
                    f"{describe_permission_name(text(claim), PermissionType.DELEGATED)} is "
                    f"granted but {label(application)} does not request it in "
                    "requiredResourceAccesses",
                    grant.urn,
                )
    if not complete:
        return
    for role_key, role_id in sorted(requested.roles.items()):
        if role_key not in consented_roles:
            findings.violation(
                f"{label(application)} requests application permission "
                f"{describe_permission_id(role_id, PermissionType.APPLICATION)} in "
                "requiredResourceAccesses but no AppRoleAssignment of its service principal "
                "consents to it (half-consented: fails at run time)",
                application.urn,
            )
    for scope_key, scope_id in sorted(requested.scopes.items()):
        if scope_key not in consented_scopes:
            findings.violation(
                f"{label(application)} requests delegated permission "
                f"{describe_permission_id(scope_id, PermissionType.DELEGATED)} in "
                "requiredResourceAccesses but no delegated permission grant of its service "
                "principal includes it in claimValues (half-consented: fails at run time)",
                application.urn,
            )


def validate_consent(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every application's consent equals its request."""
    findings = Findings()
    for application in of_type(args.resources, types.APPLICATION):
        _check_application(application, args, findings)
    findings.report(report_violation)


CONSENT_DECLARATION: Final = Declaration(
    name=CONSENT_POLICY,
    description=(
        "Every app role assignment and delegated grant of the application's service "
        "principal matches a requested permission, and every requested permission is "
        "consented."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    kind=Kind.STACK,
    validate=validate_consent,
    remediation=(
        "Derive requiredResourceAccesses, AppRoleAssignments and the delegated permission "
        "grant from the same manifest: add the missing AppRoleAssignment/claim value, or "
        "remove the consent the application does not request."
    ),
    tags=("entra-id", "tier-0", "availability"),
)
