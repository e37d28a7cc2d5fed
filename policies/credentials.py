"""Client secrets: each one expires at a date a reviewer can read, and there are few of them.

A secret of this application is a Tier-0 credential. ``endDateRelative`` (or no end date) hides
the real expiry from review and from the rotation schedule; a long lifetime widens the window of a
leak; more secrets than the rotation overlap means one is forgotten somewhere.
"""

from __future__ import annotations

import os
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
from components.settings import MAX_SECRET_LIFETIME_DAYS
from policies import knobs
from policies import resource_types as types
from policies.stack_links import (
    component_applications,
    label,
    of_type,
    possible_links,
)
from policies.values import UNKNOWN, Findings, Unknown, blocks, read, text

SECRET_EXPIRY_POLICY: Final = "client-secret-expiry"
SECRET_COUNT_POLICY: Final = "client-secret-count"
CLIENT_SECRETS_ONLY_POLICY: Final = "credentials-client-secrets-only"
SECRET_EXPIRED_POLICY: Final = "client-secret-expired"
MAX_LIFETIME_DAYS: Final = "maxLifetimeDays"
MAX_SECRETS: Final = "maxSecretsPerApplication"
DEFAULT_MAX_LIFETIME_DAYS: Final = MAX_SECRET_LIFETIME_DAYS
"""The program refuses a longer ``secretLifetimeDays``: every value it accepts passes."""
DEFAULT_MAX_SECRETS: Final = 2

Clock = Callable[[], datetime]


OFFLINE_CLOCK: Final = "PRIVILEGE_SECURE_OFFLINE_CLOCK"
"""Set (to ``1``) by the offline preview's pack client only: then the pack reads the program's
pinned clock, ``SOURCE_DATE_EPOCH``, as the program does under mocks."""


def utc_now() -> datetime:
    """The pack's clock: UTC now; under the offline preview, ``SOURCE_DATE_EPOCH`` when earlier.

    A reproducible offline preview computes its secrets' end dates from ``SOURCE_DATE_EPOCH``;
    judging them against the wall clock would call a secret expired that, at that moment, is
    not. Anywhere else the variable is ignored, as the program ignores it in a deployment: an
    earlier one (Nix sets 1980, some images the last commit) would refuse every fresh secret as
    too long-lived (red team R2-06), a later one would admit secrets that live for years (RT-43),
    so even the offline preview never believes a later one.
    """
    if os.environ.get(OFFLINE_CLOCK) != "1":
        return datetime.now(UTC)
    return min(datetime.now(UTC), rotation_clock())


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


def secret_expiry_policy(clock: Clock = utc_now) -> ResourceValidationPolicy:
    """The ``client-secret-expiry`` policy."""
    return ResourceValidationPolicy(
        name=SECRET_EXPIRY_POLICY,
        description=(
            "Every client secret has an absolute endDate at most maxLifetimeDays ahead "
            "(no endDateRelative, no open end); so does every certificate that sets one."
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


CREDENTIAL_LINKS: Final[dict[str, tuple[str, bool]]] = {
    types.APPLICATION_PASSWORD: ("applicationId", True),
    types.APPLICATION_CERTIFICATE: ("applicationId", True),
    types.APPLICATION_FEDERATED_IDENTITY_CREDENTIAL: ("applicationId", True),
    types.APPLICATION_FLEXIBLE_FEDERATED_IDENTITY_CREDENTIAL: ("applicationId", True),
    types.SERVICE_PRINCIPAL_PASSWORD: ("servicePrincipalId", False),
    types.SERVICE_PRINCIPAL_CERTIFICATE: ("servicePrincipalId", False),
    types.SERVICE_PRINCIPAL_TOKEN_SIGNING_CERTIFICATE: ("servicePrincipalId", False),
}
"""Every resource that adds a credential: the property naming its application (``True``) or
service principal (``False``)."""

_IDS: Final = ("id", "objectId")

CERTIFICATE_TYPES: Final = (
    types.APPLICATION_CERTIFICATE,
    types.SERVICE_PRINCIPAL_CERTIFICATE,
    types.SERVICE_PRINCIPAL_TOKEN_SIGNING_CERTIFICATE,
)


def _credential_owners(
    credential: PolicyResource,
    applications: Sequence[PolicyResource],
    service_principals: Sequence[PolicyResource],
) -> list[PolicyResource | str] | Unknown:
    """Every Application a credential may belong to (a service principal's via its
    ``clientId``; the service principal itself when its application is not in the stack).

    A string is an id outside the stack; ``UNKNOWN`` when nothing tells.
    """
    prop, on_application = CREDENTIAL_LINKS[credential.resource_type]
    value = read(credential.props, prop)
    outside: list[PolicyResource | str] = [] if value is None else [text(value)]
    if on_application:
        applications_found = possible_links(credential, prop, applications, _IDS)
        if applications_found is UNKNOWN:
            return UNKNOWN
        return list(applications_found) or outside
    service_principals_found = possible_links(credential, prop, service_principals, _IDS)
    if service_principals_found is UNKNOWN:
        return UNKNOWN
    owners: list[PolicyResource | str] = []
    for service_principal in service_principals_found:
        found = possible_links(service_principal, "clientId", applications, ("clientId",))
        owners.extend([service_principal] if found is UNKNOWN or not found else found)
    return owners or outside


def validate_secret_count(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """At most ``maxSecretsPerApplication`` credentials per application, none outside it."""
    max_secrets = knobs.integer(args.get_config(), MAX_SECRETS, DEFAULT_MAX_SECRETS, 1)
    findings = Findings()
    applications = of_type(args.resources, types.APPLICATION)
    service_principals = of_type(args.resources, types.SERVICE_PRINCIPAL)
    secrets: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    ours = {a.urn: label(a) for a in component_applications(args.resources)}
    for application in applications:
        names[application.urn] = label(application)
        passwords = blocks(read(application.props, "password"))
        if passwords is not UNKNOWN and passwords:
            secrets.setdefault(application.urn, []).append(f"{label(application)} password block")
    for credential in args.resources:
        if credential.resource_type not in CREDENTIAL_LINKS:
            continue
        owners = _credential_owners(credential, applications, service_principals)
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
                f"({', '.join(found)}); at most {max_secrets} ({MAX_SECRETS}, the rotation "
                "overlap) are allowed",
                key,
            )
    findings.report(report_violation)


def secret_count_policy() -> StackValidationPolicy:
    """The ``client-secret-count`` policy."""
    return StackValidationPolicy(
        name=SECRET_COUNT_POLICY,
        description=(
            "An application has at most maxSecretsPerApplication credentials (the rotation "
            "overlap), counting client secrets, password blocks, certificates and federated "
            "identity credentials of the application and its service principals."
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


def _kind(resource_type: str) -> str:
    """What a credential resource adds, for messages."""
    short = resource_type.rsplit(":", 1)[-1]
    if "Federated" in short:
        return f"a federated identity credential ({short}): sign-ins from another issuer"
    if "Certificate" in short:
        return f"a certificate credential ({short})"
    return f"a password credential ({short})"


_PROVIDER_CREDENTIALS: Final = (
    "clientId",
    "clientIdFilePath",
    "clientSecret",
    "clientSecretFilePath",
    "clientCertificate",
    "clientCertificatePassword",
    "clientCertificatePath",
    "oidcToken",
    "oidcTokenFilePath",
    "oidcRequestToken",
    "oidcRequestUrl",
    "useMsi",
    "msiEndpoint",
    "useAksWorkloadIdentity",
    "adoPipelineServiceConnectionId",
)
"""Provider inputs that choose whom it signs in as (red team RT-48, R2-02)."""


AZUREAD_PROVIDER: Final = "pulumi:providers:azuread"
PUBLIC_CLOUD_ENVIRONMENTS: Final = frozenset({"global", "public"})
"""The azuread provider's documented ``environment`` values for the public cloud (its schema:
``global``, also ``public``; the default). Sovereign clouds are another tenant altogether."""


def _check_azuread_endpoints(args: ResourceValidationArgs, findings: Findings) -> None:
    """No azuread provider that signs in somewhere else (red team R3-04, R3-05, R3-07).

    ``metadataHost`` names the server the provider asks for its login and Graph endpoints, so
    the deployer's token goes there and that server answers every Graph read; ``environment``
    picks another cloud. Default providers are built from the stack's ``azuread:*`` config
    and judged the same; ``tenantId``, ``useOidc`` and ``useCli`` stay allowed (the pipelines
    sign in with OIDC through the ``ARM_*`` environment, which the pack does not see).
    """
    host = read(args.props, "metadataHost")
    if host is not None:
        shown = "unknown during preview" if host is UNKNOWN else text(host)
        findings.violation(
            f"metadataHost is set ({shown}): the provider would fetch its login and Graph "
            "endpoints from that host and send the deployer's token there; remove it"
        )
    environment = read(args.props, "environment")
    if environment is UNKNOWN:
        findings.unreviewable("environment")
    elif environment is not None and text(environment).strip().lower() not in (
        PUBLIC_CLOUD_ENVIRONMENTS
    ):
        findings.violation(
            f"environment is {text(environment)}: only the public cloud "
            f"({', '.join(sorted(PUBLIC_CLOUD_ENVIRONMENTS))}) is allowed; remove it"
        )


def _check_provider(args: ResourceValidationArgs, findings: Findings) -> None:
    """No provider plugin from elsewhere; no provider that picks its own identity or endpoints.

    Every azuread provider is judged, default or explicit, with a parent or without: a default
    provider's inputs are the stack's ``azuread:*`` config, and a program can register an
    explicit one without a parent (red team R2-02, R3-05, R3-07).
    """
    download = read(args.props, "pluginDownloadURL")
    if download is not None:
        shown = "unknown during preview" if download is UNKNOWN else text(download)
        findings.violation(
            f"pluginDownloadURL is set ({shown}): a provider plugin from elsewhere runs with the "
            "deployer's credentials and shows the pack whatever inputs it likes"
        )
    azuread = args.resource_type == AZUREAD_PROVIDER
    if azuread:
        _check_azuread_endpoints(args, findings)
    if args.opts.parent is None and not azuread:
        return
    signs_in = [
        key
        for key in _PROVIDER_CREDENTIALS
        if read(args.props, key) not in (None, False, "", "false")  # provider inputs are text
    ]
    if signs_in:
        which = (
            "an explicit provider"
            if args.opts.parent is not None
            else "a provider without a parent (the default one: the stack's azuread:* config)"
        )
        findings.violation(
            f"{which} that chooses whom it signs in as ({', '.join(signs_in)}): "
            "resources declared through it act as that identity (the application's own secret, "
            "say), beyond what the deployer may do; use the default provider with the "
            "pipeline's sign-in"
        )


def validate_client_secrets_only(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """No credential but the component's client secrets, on any application or service
    principal of the stack (certificates, federated credentials, service principal passwords,
    an inline password)."""
    findings = Findings()
    kind = args.resource_type
    if kind in CREDENTIAL_LINKS and kind != types.APPLICATION_PASSWORD:
        findings.violation(
            f"{_kind(kind)} is another way to authenticate as the application; the only "
            "credentials allowed are the client secrets the privilegesecure:index:AppRegistration "
            "component issues and rotates"
        )
    elif kind.startswith("pulumi:providers:"):
        _check_provider(args, findings)
    elif kind == types.APPLICATION:
        passwords = blocks(read(args.props, "password"))
        if passwords is UNKNOWN:
            findings.unreviewable("password")
        elif passwords:
            findings.violation(
                "password (the Application's inline client secret) is set: the only credentials "
                "allowed are the component's rotated ApplicationPassword client secrets"
            )
    findings.report(report_violation)


def client_secrets_only_policy() -> ResourceValidationPolicy:
    """The ``credentials-client-secrets-only`` policy."""
    return ResourceValidationPolicy(
        name=CLIENT_SECRETS_ONLY_POLICY,
        description=(
            "The only credentials are the component's client secrets: no certificates, federated "
            "identity credentials, service principal passwords or inline password."
        ),
        validate=validate_client_secrets_only,
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.CRITICAL,
        config_schema=PolicyConfigSchema(properties={}),
        remediation_steps=(
            "Remove the credential. Privilege Secure signs in with the client secret the "
            "component issues (output clientSecret); rotate it with secretVersion."
        ),
        tags=["entra-id", "tier-0", "credentials"],
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


def secret_expired_policy(clock: Clock = utc_now) -> ResourceValidationPolicy:
    """The ``client-secret-expired`` policy (advisory: never blocks the repairing run)."""
    return ResourceValidationPolicy(
        name=SECRET_EXPIRED_POLICY,
        description=(
            "A credential whose endDate is in the past is reported, never blocked: it grants "
            "nothing, and the run that repairs a missed rotation carries one."
        ),
        validate=make_validate_expired(clock),
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
        config_schema=PolicyConfigSchema(properties={}),
        remediation_steps=(
            "Run `pulumi up`: it issues the newest secret for the current window; update "
            "Privilege Secure with the clientSecret output."
        ),
        tags=["entra-id", "credentials"],
    )
