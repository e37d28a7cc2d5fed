"""``client-secret-count``: few client secrets per application; more than the rotation overlap
means one is forgotten somewhere."""

from __future__ import annotations

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
from entra_guard.helpers.credential_links import CREDENTIAL_LINKS
from entra_guard.helpers.stack_links import Principals, label, possible_links
from entra_guard.helpers.values import UNKNOWN, Findings, Unknown, blocks, read, text

SECRET_COUNT_POLICY: Final = "client-secret-count"

MAX_SECRETS: Final = "maxSecretsPerApplication"

DEFAULT_MAX_SECRETS: Final = 2

_IDS: Final = ("id", "objectId")


def _credential_owners(
    credential: PolicyResource, principals: Principals
) -> list[PolicyResource | str] | Unknown:
    """Every Application a credential may belong to (a service principal's via its
    ``clientId``; the service principal itself when its application is not in the stack).

    A string is an id outside the stack; ``UNKNOWN`` when nothing tells.
    """
    prop, on_application = CREDENTIAL_LINKS[credential.resource_type]
    value = read(credential.props, prop)
    outside: list[PolicyResource | str] = [] if value is None else [text(value)]
    if on_application:
        applications_found = possible_links(credential, prop, principals.applications, _IDS)
        if applications_found is UNKNOWN:
            return UNKNOWN
        return list(applications_found) or outside
    service_principals_found = possible_links(credential, prop, principals.service_principals, _IDS)
    if service_principals_found is UNKNOWN:
        return UNKNOWN
    owners: list[PolicyResource | str] = []
    for service_principal in service_principals_found:
        found = principals.applications_of(service_principal)
        owners.extend([service_principal] if found is UNKNOWN or not found else found)
    return owners or outside


def validate_secret_count(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """At most ``maxSecretsPerApplication`` credentials per application, none outside it."""
    max_secrets = knobs.integer(args.get_config(), MAX_SECRETS, DEFAULT_MAX_SECRETS, 1)
    findings = Findings()
    principals = Principals.of(args.resources)
    secrets: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    ours = {a.urn: label(a) for a in principals.component_applications}
    for application in principals.applications:
        names[application.urn] = label(application)
        passwords = blocks(read(application.props, "password"))
        if passwords is not UNKNOWN and passwords:
            secrets.setdefault(application.urn, []).append(f"{label(application)} password block")
    for credential in args.resources:
        if credential.resource_type not in CREDENTIAL_LINKS:
            continue
        owners = _credential_owners(credential, principals)
        if owners is UNKNOWN:
            findings.violation(
                f"{label(credential)}: its {CREDENTIAL_LINKS[credential.resource_type][0]} is "
                "unknown during preview and not computed from exactly one application or service "
                "principal of this stack, so nothing tells whose credential it will be",
                credential.urn,
            )
            continue
        for owner in owners:
            if isinstance(owner, str):
                findings.violation(
                    f"{label(credential)} adds a credential to {owner}, which is no application "
                    "or service principal of this stack: the stack holds the credentials of its "
                    "own application only",
                    credential.urn,
                )
                continue
            if owner.urn not in ours:
                findings.violation(
                    f"{label(credential)} adds a credential to {label(owner)}, not to the "
                    f"component's {', '.join(sorted(ours.values()))}: the stack holds the "
                    "credentials of its own application only",
                    credential.urn,
                )
            names.setdefault(owner.urn, label(owner))
            secrets.setdefault(owner.urn, []).append(label(credential))
    for key, found in secrets.items():
        if len(found) > max_secrets:
            findings.violation(
                f"{names[key]} has {len(found)} client secrets "
                f"({', '.join(sorted(found))}); at most {max_secrets} ({MAX_SECRETS}, the rotation "
                "overlap) are allowed",
                key,
            )
    findings.report(report_violation)


SECRET_COUNT_DECLARATION: Final = Declaration(
    name=SECRET_COUNT_POLICY,
    description=(
        "An application has at most maxSecretsPerApplication credentials (the rotation "
        "overlap), counting client secrets, password blocks, certificates and federated "
        "identity credentials of the application and its service principals."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    kind=Kind.STACK,
    validate=validate_secret_count,
    knobs={
        MAX_SECRETS: knobs.integer_schema(
            "Most client secrets one application may have at once.", DEFAULT_MAX_SECRETS, 1
        )
    },
    remediation=(
        "Keep one current secret plus, during a rotation, the previous one; delete older "
        "secrets (and any stray ServicePrincipalPassword) before adding a new one."
    ),
    tags=("entra-id", "credentials"),
)
