"""``graph-service-principal-not-managed``: a stack that manages a Microsoft first-party service
principal deletes it on destroy."""

from __future__ import annotations

from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers import knobs
from entra_guard.helpers.steward import ADDITIONAL_FIRST_PARTY
from entra_guard.helpers.values import UNKNOWN, Findings, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.first_party import first_party_name

FIRST_PARTY_POLICY: Final = "graph-service-principal-not-managed"


def validate_first_party(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """No ServicePrincipal resource for a Microsoft first-party application.

    An unknown ``clientId`` passes: it is another resource's output, and no resource this stack
    can create has a first-party client id (a lookup's result is known during the preview).
    """
    findings = Findings()
    if args.resource_type == types.SERVICE_PRINCIPAL:
        extra = knobs.string_list(args.get_config(), ADDITIONAL_FIRST_PARTY, ())
        client_id = read(args.props, "clientId")
        if client_id is not None and client_id is not UNKNOWN:
            name = first_party_name(text(client_id), extra)
            if name is not None:
                findings.violation(
                    f"clientId {text(client_id)} is {name}: a Microsoft first-party service "
                    "principal must not be managed (destroy or replace deletes it tenant-wide); "
                    "look it up with azuread.get_service_principal(client_id=...) instead"
                )
    findings.report(report_violation)


FIRST_PARTY_DECLARATION: Final = Declaration(
    name=FIRST_PARTY_POLICY,
    description=(
        "No ServicePrincipal resource for Microsoft Graph or another Microsoft first-party "
        "application: look those up, never manage them."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_first_party,
    knobs={
        ADDITIONAL_FIRST_PARTY: knobs.string_list_schema(
            "More client ids to treat as Microsoft first-party applications.", ()
        )
    },
    remediation=(
        "Replace the ServicePrincipal resource with azuread.get_service_principal("
        "client_id=...) and, to drop it from the state without deleting it, run "
        "`pulumi state delete <urn>` (never `pulumi destroy`)."
    ),
    tags=("entra-id", "availability"),
)
