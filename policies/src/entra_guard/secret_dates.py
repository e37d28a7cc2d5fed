"""``client-secret-expiry`` and ``client-secret-expired``: each client secret expires at an absolute
date a reviewer can read, within the allowed lifetime; an expired one is reported.

``endDateRelative`` (or no end date) hides the real expiry from review and from the rotation
schedule; a long lifetime widens the window of a leak.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard.declaration import Clock, Declaration, Kind
from entra_guard.helpers import knobs
from entra_guard.helpers.credential_links import CERTIFICATE_TYPES, CREDENTIAL_LINKS
from entra_guard.helpers.values import UNKNOWN, Findings, blocks, read, text
from entra_vocabulary import resource_types as types
from entra_vocabulary.limits import MAX_SECRET_LIFETIME_DAYS

SECRET_EXPIRY_POLICY: Final = "client-secret-expiry"

SECRET_EXPIRED_POLICY: Final = "client-secret-expired"

MAX_LIFETIME_DAYS: Final = "maxLifetimeDays"

DEFAULT_MAX_LIFETIME_DAYS: Final = MAX_SECRET_LIFETIME_DAYS
"""The program refuses a longer ``secretLifetimeDays``: every value it accepts passes."""


def parse_rfc3339(value: str) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime (UTC when no offset); ``None`` if invalid."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _check_end_date(
    where: str,
    props: Mapping[str, Any],
    max_days: int,
    now: datetime,
    findings: Findings,
    required: bool = True,
) -> None:
    """An absolute end date at most ``max_days`` from now (``required``: it must be set).

    An end date in the past is not judged here: an expired credential grants nothing, and the
    run that repairs a missed rotation hands the pack exactly that (see ``client-secret-expired``).
    """
    instead = f"; set an absolute endDate (RFC 3339) at most {max_days} days ahead instead"
    if findings.refuse_set(props, "endDateRelative", instead, where):
        return
    end_date = read(props, "endDate")
    if end_date is UNKNOWN:
        findings.unreviewable(f"{where}endDate")
        return
    if end_date is None and not required:
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
        elif args.resource_type in CERTIFICATE_TYPES:
            _check_end_date("", args.props, max_days, now, findings, required=False)
        elif args.resource_type == types.APPLICATION:
            passwords = blocks(read(args.props, "password"))
            if passwords is UNKNOWN:
                findings.unreviewable("password")
            else:
                for password in passwords:
                    _check_end_date("password.", password, max_days, now, findings)
        findings.report(report_violation)

    return validate_expiry


SECRET_EXPIRY_DECLARATION: Final = Declaration(
    name=SECRET_EXPIRY_POLICY,
    description=(
        "Every client secret has an absolute endDate at most maxLifetimeDays ahead "
        "(no endDateRelative, no open end); so does every certificate that sets one."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    kind=Kind.RESOURCE,
    validate_at=make_validate_expiry,
    knobs={
        MAX_LIFETIME_DAYS: knobs.integer_schema(
            "Longest allowed client secret lifetime, in days from the time of the check.",
            DEFAULT_MAX_LIFETIME_DAYS,
            1,
        )
    },
    remediation=(
        'Set endDate to an absolute RFC 3339 date (e.g. "2027-05-26T00:00:00Z") within '
        "maxLifetimeDays, remove endDateRelative, and rotate before it expires."
    ),
    tags=("entra-id", "credentials"),
)


def make_validate_expired(
    clock: Clock,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """The expired-credential note, reading the time from ``clock``."""

    def validate_expired(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        now = clock()
        found: list[tuple[str, Any]] = []
        if args.resource_type in CREDENTIAL_LINKS:
            found.append(("endDate", read(args.props, "endDate")))
        elif args.resource_type == types.APPLICATION:
            passwords = blocks(read(args.props, "password"))
            if passwords is not UNKNOWN:
                found.extend(("password.endDate", read(p, "endDate")) for p in passwords)
        for where, end_date in found:
            if end_date is None or end_date is UNKNOWN:
                continue
            parsed = parse_rfc3339(text(end_date))
            if parsed is not None and parsed <= now:
                report_violation(
                    f"{where} {text(end_date)} is in the past: this credential is expired and "
                    "grants nothing. After a missed rotation window this is the previous secret "
                    "(its inputs are frozen); the run that shows this issues the replacement",
                    None,
                )

    return validate_expired


SECRET_EXPIRED_DECLARATION: Final = Declaration(
    name=SECRET_EXPIRED_POLICY,
    description=(
        "A credential whose endDate is in the past is reported, never blocked: it grants "
        "nothing, and the run that repairs a missed rotation carries one."
    ),
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    kind=Kind.RESOURCE,
    validate_at=make_validate_expired,
    remediation=(
        "Run `pulumi up`: it issues the newest secret for the current window; update "
        "Privilege Secure with the clientSecret output."
    ),
    tags=("entra-id", "credentials"),
)
