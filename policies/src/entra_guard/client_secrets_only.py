"""``credentials-client-secrets-only``: the component's rotated client secrets are the only
credentials (no certificate, federated identity credential, service principal password, inline
password, or provider that chooses whom it signs in as)."""

from __future__ import annotations

from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers.credential_links import CREDENTIAL_LINKS
from entra_guard.helpers.values import UNKNOWN, Findings, blocks, read, text
from entra_vocabulary import resource_types as types

CLIENT_SECRETS_ONLY_POLICY: Final = "credentials-client-secrets-only"


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
    findings.refuse_set(
        args.props,
        "metadataHost",
        ": the provider would fetch its login and Graph endpoints from that host and send the "
        "deployer's token there; remove it",
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
    findings.refuse_set(
        args.props,
        "pluginDownloadURL",
        ": a provider plugin from elsewhere runs with the deployer's credentials and shows the "
        "pack whatever inputs it likes",
    )
    azuread = args.resource_type == types.AZUREAD_PROVIDER
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
    elif kind.startswith(types.PROVIDER_PREFIX):
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


CLIENT_SECRETS_ONLY_DECLARATION: Final = Declaration(
    name=CLIENT_SECRETS_ONLY_POLICY,
    description=(
        "The only credentials are the component's client secrets: no certificates, federated "
        "identity credentials, service principal passwords or inline password."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    kind=Kind.RESOURCE,
    validate=validate_client_secrets_only,
    remediation=(
        "Remove the credential. Privilege Secure signs in with the client secret the "
        "component issues (output clientSecret); rotate it with secretVersion."
    ),
    tags=("entra-id", "tier-0", "credentials"),
)
