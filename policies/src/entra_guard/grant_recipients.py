"""Who receives a grant: only this application's service principal, and only one application.

The stack exists to hold one Tier-0 principal. A Microsoft Graph app role assignment, a delegated
permission grant, a directory role assignment or eligibility to any other principal (a user, the
attacker's own app, a literal object id) hands Tier-0 rights to someone nobody reviews here.
"This application" is the one the ``privilegesecure:index:AppRegistration`` component declares
(every application of the stack when no component does). Links are by the id a grant carries
(``entra_guard.helpers.stack_links.Principals.recipients``): a decoy cannot move a grant onto
or off the app.
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
from entra_guard.helpers import knobs
from entra_guard.helpers.stack_links import Principals, label
from entra_guard.helpers.values import UNKNOWN, Findings, elements, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.microsoft_ids import GRAPH_PERMISSIONS

GRANT_RECIPIENTS_POLICY: Final = "grant-recipients"
MAX_PRIVILEGED_APPLICATIONS: Final = "maxPrivilegedApplications"
DEFAULT_MAX_PRIVILEGED_APPLICATIONS: Final = 1

GRANTS: Final[dict[str, str]] = {
    types.APP_ROLE_ASSIGNMENT: "principalObjectId",
    types.DELEGATED_PERMISSION_GRANT: "servicePrincipalObjectId",
    types.DIRECTORY_ROLE_ASSIGNMENT: "principalObjectId",
    types.DIRECTORY_ROLE_ELIGIBILITY_REQUEST: "principalId",
}
"""Every grant, and the property naming who receives it."""

_MANIFEST_IDS: Final = frozenset(permission.id.lower() for permission in GRAPH_PERMISSIONS)


def _requests_manifest_permissions(application: PolicyResource) -> bool:
    """Whether an application asks for any permission of a Privilege Secure manifest."""
    accesses = elements(read(application.props, "requiredResourceAccesses"))
    if accesses is UNKNOWN:
        return True
    for access in accesses:
        if access is UNKNOWN:
            return True
        entries = elements(read(access, "resourceAccesses"))
        if entries is UNKNOWN:
            return True
        for entry in entries:
            permission_id = read(entry, "id")
            if permission_id is UNKNOWN or text(permission_id).lower() in _MANIFEST_IDS:
                return True
    return False


CONSENT_RESOURCES: Final[dict[str, str]] = {
    types.APP_ROLE_ASSIGNMENT: "resourceObjectId",
    types.DELEGATED_PERMISSION_GRANT: "resourceServicePrincipalObjectId",
}
"""Every consent, and the property naming the API (resource service principal) it is for."""


def _check_one_resource(resources: Sequence[PolicyResource], findings: Findings) -> None:
    """Every consent is to one resource service principal: Microsoft Graph's.

    Graph's object id differs per tenant, so the pack cannot name it; but the program consents
    everything to the one it looked up, and a consent to another API (Azure AD Graph's
    ``User.Read``, say) names ids the allowlists read as Graph's (red team RT-19).
    """
    targets: dict[str, list[PolicyResource]] = {}
    for consent in resources:
        prop = CONSENT_RESOURCES.get(consent.resource_type)
        if prop is None:
            continue
        target = read(consent.props, prop)
        if target is UNKNOWN:
            findings.violation(
                f"{label(consent)}: {prop} is unknown during preview; the program consents to "
                "Microsoft Graph's service principal, which it looks up (known in a preview)",
                consent.urn,
            )
        elif target is not None:
            targets.setdefault(text(target).strip().lower(), []).append(consent)
    if len(targets) > 1:
        most = max(targets.values(), key=len)
        for group in targets.values():
            if group is most:
                continue
            for consent in group:
                target = read(consent.props, CONSENT_RESOURCES[consent.resource_type])
                findings.violation(
                    f"{label(consent)} consents to {text(target)}, "
                    f"not to the resource service principal of the other {len(most)} consents "
                    "(Microsoft Graph's): only Microsoft Graph's permissions are judged",
                    consent.urn,
                )


def validate_grant_recipients(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every grant goes to this application's service principal; few privileged applications."""
    limit = knobs.integer(
        args.get_config(), MAX_PRIVILEGED_APPLICATIONS, DEFAULT_MAX_PRIVILEGED_APPLICATIONS, 1
    )
    findings = Findings()
    principals = Principals.of(args.resources)
    ours = principals.component_applications
    owner_of: dict[str, PolicyResource] = {}
    for sp in principals.service_principals:
        application = principals.application_of(sp)
        if isinstance(application, PolicyResource):
            owner_of[sp.urn] = application
    holders: dict[str, PolicyResource] = {}
    our_urns = {a.urn for a in ours}
    for grant in args.resources:
        prop = GRANTS.get(grant.resource_type)
        if prop is None:
            continue
        recipients = principals.recipients(grant, prop)
        if recipients is UNKNOWN:
            findings.violation(
                f"{label(grant)}: {prop} is unknown during preview and not computed from exactly "
                "one service principal of this stack, so nothing tells who will receive the grant",
                grant.urn,
            )
            continue
        strangers: list[str] = []
        for recipient in recipients:
            application = owner_of.get(recipient.urn)
            if application is not None:
                holders[application.urn] = application
            if application is None or application.urn not in our_urns:
                strangers.append(label(recipient))
        if not recipients:
            strangers.append(f"principal {text(read(grant.props, prop))}")
        if strangers:
            findings.violation(
                f"{label(grant)} grants to {', '.join(strangers)} ({prop}), not (only) to the "
                f"service principal of {', '.join(label(a) for a in ours) or 'the component'}: "
                "the stack exists to hold one Tier-0 principal",
                grant.urn,
            )
    _check_one_resource(args.resources, findings)
    privileged = {
        a.urn: a
        for a in principals.applications
        if a.urn in holders or _requests_manifest_permissions(a)
    }
    if len(privileged) > limit:
        ranked = sorted(privileged.values(), key=lambda a: all(a.urn != o.urn for o in ours))
        for extra in ranked[limit:]:
            findings.violation(
                f"{len(privileged)} applications request or hold Privilege Secure's permissions "
                f"({', '.join(label(a) for a in ranked)}); at most {limit} "
                f"({MAX_PRIVILEGED_APPLICATIONS}) may",
                extra.urn,
            )
    findings.report(report_violation)


GRANT_RECIPIENTS_DECLARATION: Final = Declaration(
    name=GRANT_RECIPIENTS_POLICY,
    description=(
        "App role assignments, delegated grants and directory role assignments or "
        "eligibility go only to this application's service principal; at most "
        "maxPrivilegedApplications applications request or hold the manifest's permissions."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.STACK,
    validate=validate_grant_recipients,
    knobs={
        MAX_PRIVILEGED_APPLICATIONS: knobs.integer_schema(
            "Most applications in the stack that may request or hold Privilege "
            "Secure's Microsoft Graph permissions or directory roles.",
            DEFAULT_MAX_PRIVILEGED_APPLICATIONS,
            1,
        )
    },
    remediation=(
        "Grant only to the component's service principal (principalObjectId = its "
        "service_principal_object_id); remove grants to other principals and other "
        "privileged applications."
    ),
    tags=("entra-id", "tier-0", "least-privilege"),
)
