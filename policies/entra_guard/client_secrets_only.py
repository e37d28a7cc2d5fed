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


def _check_provider(args: ResourceValidationArgs, findings: Findings) -> None:
    """No provider plugin from elsewhere; no explicit provider that picks its own identity.

    The engine registers default providers without a parent; a provider the program declares has
    one (the stack, at least), whatever its name (red team R2-02).
    """
    download = read(args.props, "pluginDownloadURL")
    if download is not None:
        shown = "unknown during preview" if download is UNKNOWN else text(download)
        findings.violation(
            f"pluginDownloadURL is set ({shown}): a provider plugin from elsewhere runs with the "
            "deployer's credentials and shows the pack whatever inputs it likes"
        )
    if args.opts.parent is None:
        return
    signs_in = [
        key
        for key in _PROVIDER_CREDENTIALS
        if read(args.props, key) not in (None, False, "", "false")  # provider inputs are text
    ]
    if signs_in:
        findings.violation(
            f"an explicit provider that chooses whom it signs in as ({', '.join(signs_in)}): "
            "resources declared through it act as that identity (the application's own secret, "
            "say), beyond what the deployer may do; use the default provider"
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
