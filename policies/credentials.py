"""Client secrets: each one expires at a date a reviewer can read, and there are few of them.

A secret of this application is a Tier-0 credential. ``endDateRelative`` (or no end date) hides
the real expiry from review and from the rotation schedule; a long lifetime widens the window of a
leak; more secrets than the rotation overlap means one is forgotten somewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from components.secret_rotation import rotation_clock
from policies import knobs
from policies import resource_types as types
from policies.stack_links import label, linked, of_type
from policies.values import UNKNOWN, Findings, blocks, read, text

SECRET_EXPIRY_POLICY: Final = "client-secret-expiry"
SECRET_COUNT_POLICY: Final = "client-secret-count"
MAX_LIFETIME_DAYS: Final = "maxLifetimeDays"
MAX_SECRETS: Final = "maxSecretsPerApplication"
DEFAULT_MAX_LIFETIME_DAYS: Final = 365
DEFAULT_MAX_SECRETS: Final = 2

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The program's clock: UTC now, or ``SOURCE_DATE_EPOCH`` when set.

    A reproducible preview computes its secrets' end dates from ``SOURCE_DATE_EPOCH``; judging
    them against the wall clock instead would call a secret expired that, at that moment, is not.
    """
    return rotation_clock()


def parse_rfc3339(value: str) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime (UTC when no offset); ``None`` if invalid."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _check_end_date(
    where: str, props: Mapping[str, Any], max_days: int, now: datetime, findings: Findings
) -> None:
    """An absolute end date, in the future, at most ``max_days`` from now."""
    relative = read(props, "endDateRelative")
    if relative is not None:
        shown = "unknown during preview" if relative is UNKNOWN else text(relative)
        findings.violation(
            f"{where}endDateRelative is set ({shown}); set an absolute endDate (RFC 3339) at "
            f"most {max_days} days ahead instead"
        )
        return
    end_date = read(props, "endDate")
    if end_date is UNKNOWN:
        findings.unknown(f"{where}endDate")
        return
    if end_date is None:
        findings.violation(
            f"{where}endDate is not set (the provider's default hides the expiry); set an "
            f"absolute endDate at most {max_days} days ahead"
        )
        return
    parsed = parse_rfc3339(text(end_date))
    latest = now + timedelta(days=max_days)
    if parsed is None:
        findings.violation(
            f"{where}endDate {text(end_date)} is not an RFC 3339 date; set an absolute endDate "
            f"such as {latest:%Y-%m-%dT00:00:00Z}"
        )
    elif parsed > latest:
        findings.violation(
            f"{where}endDate {text(end_date)} is more than {max_days} days ahead (the latest "
            f"allowed today is {latest:%Y-%m-%dT%H:%M:%SZ})"
        )
    elif parsed <= now:
        findings.violation(
            f"{where}endDate {text(end_date)} is in the past: the secret is expired; rotate it "
            f"with an endDate at most {max_days} days ahead"
        )


def make_validate_expiry(
    clock: Clock,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """The expiry check, reading the time from ``clock`` (injectable for tests)."""

    def validate_expiry(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        max_days = knobs.integer(args.get_config(), MAX_LIFETIME_DAYS, DEFAULT_MAX_LIFETIME_DAYS, 1)
        findings = Findings()
        now = clock()
        if args.resource_type in (types.APPLICATION_PASSWORD, types.SERVICE_PRINCIPAL_PASSWORD):
            _check_end_date("", args.props, max_days, now, findings)
        elif args.resource_type == types.APPLICATION:
            passwords = blocks(read(args.props, "password"))
            if passwords is UNKNOWN:
                findings.unknown("password")
            else:
                for password in passwords:
                    _check_end_date("password.", password, max_days, now, findings)
        findings.report(report_violation)

    return validate_expiry


def secret_expiry_policy(clock: Clock = utc_now) -> ResourceValidationPolicy:
    """The ``client-secret-expiry`` policy."""
    return ResourceValidationPolicy(
        name=SECRET_EXPIRY_POLICY,
        description=(
            "Every client secret has an absolute endDate at most maxLifetimeDays ahead "
            "(no endDateRelative, no open end)."
        ),
        validate=make_validate_expiry(clock),
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        config_schema=PolicyConfigSchema(
            properties={
                MAX_LIFETIME_DAYS: knobs.integer_schema(
                    "Longest allowed client secret lifetime, in days from the time of the check.",
                    DEFAULT_MAX_LIFETIME_DAYS,
                    1,
                )
            }
        ),
        remediation_steps=(
            'Set endDate to an absolute RFC 3339 date (e.g. "2027-05-26T00:00:00Z") within '
            "maxLifetimeDays, remove endDateRelative, and rotate before it expires."
        ),
        tags=["entra-id", "credentials"],
    )


def _secret_owner(
    password: PolicyResource,
    applications: Sequence[PolicyResource],
    service_principals: Sequence[PolicyResource],
) -> PolicyResource | str | None:
    """The Application a secret belongs to (a service principal's via its ``clientId``).

    A string when it belongs to something outside the stack (its id), ``None`` when unknown.
    """
    if password.resource_type == types.APPLICATION_PASSWORD:
        target = linked(password, "applicationId", applications, ("id",))
        prop = "applicationId"
    else:
        target = linked(password, "servicePrincipalId", service_principals, ("id", "objectId"))
        prop = "servicePrincipalId"
        if isinstance(target, PolicyResource):
            application = linked(target, "clientId", applications, ("clientId",))
            if isinstance(application, PolicyResource):
                return application
    if target is UNKNOWN:
        return None
    if target is None:
        return text(read(password.props, prop))
    return target


def validate_secret_count(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """At most ``maxSecretsPerApplication`` client secrets per application."""
    max_secrets = knobs.integer(args.get_config(), MAX_SECRETS, DEFAULT_MAX_SECRETS, 1)
    findings = Findings()
    applications = of_type(args.resources, types.APPLICATION)
    service_principals = of_type(args.resources, types.SERVICE_PRINCIPAL)
    secrets: dict[str, list[str]] = {}
    anchors: dict[str, str] = {}
    names: dict[str, str] = {}
    for application in applications:
        passwords = blocks(read(application.props, "password"))
        if passwords is not UNKNOWN and passwords:
            secrets.setdefault(application.urn, []).append(f"{label(application)} password block")
    for password in args.resources:
        if password.resource_type not in (
            types.APPLICATION_PASSWORD,
            types.SERVICE_PRINCIPAL_PASSWORD,
        ):
            continue
        owner = _secret_owner(password, applications, service_principals)
        if owner is None:
            findings.unknown(f"which application {label(password)} belongs to")
            continue
        key = owner.urn if isinstance(owner, PolicyResource) else owner
        if isinstance(owner, PolicyResource):
            names[key] = label(owner)
        secrets.setdefault(key, []).append(label(password))
        anchors.setdefault(key, password.urn)
    for application in applications:
        names.setdefault(application.urn, label(application))
    for key, found in secrets.items():
        if len(found) > max_secrets:
            findings.violation(
                f"{names.get(key, f'application {key}')} has {len(found)} client secrets "
                f"({', '.join(found)}); at most {max_secrets} ({MAX_SECRETS}, the rotation "
                "overlap) are allowed",
                key if key in names else anchors.get(key),
            )
    findings.report(report_violation)


def secret_count_policy() -> StackValidationPolicy:
    """The ``client-secret-count`` policy."""
    return StackValidationPolicy(
        name=SECRET_COUNT_POLICY,
        description=(
            "An application has at most maxSecretsPerApplication client secrets (the rotation "
            "overlap), counting ApplicationPassword, ServicePrincipalPassword and password blocks."
        ),
        validate=validate_secret_count,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.MEDIUM,
        config_schema=PolicyConfigSchema(
            properties={
                MAX_SECRETS: knobs.integer_schema(
                    "Most client secrets one application may have at once.", DEFAULT_MAX_SECRETS, 1
                )
            }
        ),
        remediation_steps=(
            "Keep one current secret plus, during a rotation, the previous one; delete older "
            "secrets (and any stray ServicePrincipalPassword) before adding a new one."
        ),
        tags=["entra-id", "credentials"],
    )
