"""The recipient of every grant and the owner of every secret, pinned by id, checked in the update.

The stack policies link grants and secrets to the component's service principal and application
by the ids they carry, but during ``pulumi up`` they judge only after the changes, and in a
preview an unknown id cannot be told apart from one that becomes the attacker's at ``pulumi up``
(red team R2-01, RT-47). Once the stack exists its ids are known: listed here (from the stack
outputs ``servicePrincipalObjectId`` and ``applicationObjectId``), every known recipient and
every known secret owner is checked by this *resource* policy, which stops a wrong one during the
update itself. Empty lists (the default) check nothing: a new stack has no ids yet.
"""

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
from entra_guard.helpers.values import UNKNOWN, Findings, read, text
from entra_vocabulary import resource_types as types

PINNED_POLICY: Final = "pinned-principal"
SERVICE_PRINCIPAL_IDS: Final = "servicePrincipalObjectIds"
APPLICATION_IDS: Final = "applicationObjectIds"

_RECIPIENTS: Final = {
    types.APP_ROLE_ASSIGNMENT: "principalObjectId",
    types.DELEGATED_PERMISSION_GRANT: "servicePrincipalObjectId",
    types.DIRECTORY_ROLE_ASSIGNMENT: "principalObjectId",
    types.DIRECTORY_ROLE_ELIGIBILITY_REQUEST: "principalId",
}


def _bare(value: object) -> str:
    """An object id as compared: lower case, without ``/applications/``-style prefixes."""
    return text(value).strip().lower().rstrip("/").rsplit("/", 1)[-1]


def _check(
    where: str, value: object, pinned: tuple[str, ...], knob: str, findings: Findings
) -> None:
    if not pinned or value is None or value is UNKNOWN:
        return
    if _bare(value) not in {_bare(item) for item in pinned}:
        findings.violation(
            f"{where} is {text(value)}, not one of {knob} {sorted(pinned)}: only this stack's own "
            "service principal receives grants and only its application holds secrets"
        )


def validate_pinned_principal(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """Known recipients and secret owners against the pinned ids."""
    config = args.get_config()
    findings = Findings()
    prop = _RECIPIENTS.get(args.resource_type)
    if prop is not None:
        pinned = knobs.string_list(config, SERVICE_PRINCIPAL_IDS, ())
        _check(prop, read(args.props, prop), pinned, SERVICE_PRINCIPAL_IDS, findings)
    elif args.resource_type == types.APPLICATION_PASSWORD:
        pinned = knobs.string_list(config, APPLICATION_IDS, ())
        value = read(args.props, "applicationId")
        _check("applicationId", value, pinned, APPLICATION_IDS, findings)
    findings.report(report_violation)


PINNED_PRINCIPAL_DECLARATION: Final = Declaration(
    name=PINNED_POLICY,
    description=(
        "Once the stack's ids are pinned, every known grant recipient is its service "
        "principal and every known client secret is its application's, during the update."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_pinned_principal,
    knobs={
        SERVICE_PRINCIPAL_IDS: knobs.string_list_schema(
            "Object ids of the service principals (stack output "
            "servicePrincipalObjectId) that may receive grants; empty checks nothing.",
            (),
        ),
        APPLICATION_IDS: knobs.string_list_schema(
            "Object ids of the applications (stack output applicationObjectId) that may "
            "hold client secrets; empty checks nothing.",
            (),
        ),
    },
    remediation=(
        "Grant only to the component's service principal; after the first `pulumi up`, put "
        "the stack outputs servicePrincipalObjectId and applicationObjectId in these knobs."
    ),
    tags=("entra-id", "tier-0"),
)
