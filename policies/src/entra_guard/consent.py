"""Consent matches the request: what is granted is requested, and what is requested is granted.

An app role assignment or delegated grant the application does not request is a right nobody
reviews in the app registration; a requested permission without consent makes the integration
fail at run time (half-consented). Links: grant or assignment -> our service principal (by
``principalObjectId``/``servicePrincipalObjectId``) -> application (by ``clientId``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from entra_guard.helpers.stack_links import Principals, label, of_type
from entra_guard.helpers.values import UNKNOWN, Findings, elements, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.labels import (
    describe_permission_id,
    describe_permission_name,
    graph_permission_by_name,
)
from entra_vocabulary.microsoft_ids import PermissionType

CONSENT_POLICY: Final = "consent-matches-request"


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


@dataclass
class _Review:
    """One application's review: which consents its service principals hold, the findings, and
    whether every consent's holder and content was known (only then is a requested permission
    without consent a finding)."""

    resources: Sequence[PolicyResource]
    principals: Principals
    service_principals: list[PolicyResource]
    """The application's own."""
    findings: Findings
    complete: bool = True

    def unknown(self, what: str) -> None:
        """A value the review needs is unknown: note it; the review is incomplete."""
        self.findings.unknown(what)
        self.complete = False

    def held(self, resource_type: str, prop: str) -> Iterator[PolicyResource]:
        """The consents of one type that the application's service principals hold (by
        ``prop``), one at a time, so that the unknowns are noted in stack order."""
        for consent in of_type(self.resources, resource_type):
            target = self.principals.recipient(consent, prop)
            if target is UNKNOWN:
                self.unknown(f"{label(consent)} {prop}")
            elif isinstance(target, PolicyResource) and any(
                target.urn == sp.urn for sp in self.service_principals
            ):
                yield consent


def _check_unconsented(
    application: PolicyResource,
    requested: dict[str, str],
    consented: set[str],
    kind: PermissionType,
    consent: str,
    findings: Findings,
) -> None:
    """Every requested permission of one type is consented (``consent`` says by what)."""
    for key, permission_id in sorted(requested.items()):
        if key not in consented:
            findings.violation(
                f"{label(application)} requests {kind.value.lower()} permission "
                f"{describe_permission_id(permission_id, kind)} in requiredResourceAccesses but "
                f"no {consent} (half-consented: fails at run time)",
                application.urn,
            )


def _check_application(
    application: PolicyResource,
    args: StackValidationArgs,
    principals: Principals,
    findings: Findings,
) -> None:
    """Consent of one application's service principals against its request."""
    requested = _requested(application, findings)
    if requested is None:
        return
    review = _Review(
        args.resources, principals, principals.service_principals_of(application), findings
    )
    consented_roles: set[str] = set()
    for assignment in review.held(types.APP_ROLE_ASSIGNMENT, "principalObjectId"):
        role_id = read(assignment.props, "appRoleId")
        if role_id is UNKNOWN or role_id is None:
            review.unknown(f"{label(assignment)} appRoleId")
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
    for grant in review.held(types.DELEGATED_PERMISSION_GRANT, "servicePrincipalObjectId"):
        claims = elements(read(grant.props, "claimValues"))
        if claims is UNKNOWN or UNKNOWN in claims:
            review.unknown(f"{label(grant)} claimValues")
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
    if not review.complete:
        return
    _check_unconsented(
        application,
        requested.roles,
        consented_roles,
        PermissionType.APPLICATION,
        "AppRoleAssignment of its service principal consents to it",
        findings,
    )
    _check_unconsented(
        application,
        requested.scopes,
        consented_scopes,
        PermissionType.DELEGATED,
        "delegated permission grant of its service principal includes it in claimValues",
        findings,
    )


def validate_consent(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every application's consent equals its request."""
    findings = Findings()
    principals = Principals.of(args.resources)
    for application in principals.applications:
        _check_application(application, args, principals, findings)
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
