"""The application is a single-tenant daemon: nobody signs in to it, from any tenant.

A multi-tenant registration lets other tenants consent to (and phish with) an app that carries
Tier-0 rights; redirect URIs, implicit grant, identifier URIs and public-client flows are sign-in
surface a daemon that authenticates with its own secret never uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
)

from entra_guard.declaration import Declaration, Kind
from entra_guard.helpers.values import UNKNOWN, Findings, blocks, elements, read, read_path, text
from entra_vocabulary import resource_types as types

SINGLE_TENANT_POLICY: Final = "single-tenant-application"
NO_SIGN_IN_SURFACE_POLICY: Final = "no-interactive-sign-in-surface"
SINGLE_TENANT_AUDIENCE: Final = "AzureADMyOrg"


def validate_single_tenant(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``signInAudience`` is ``AzureADMyOrg`` (unset means the provider default, which is)."""
    findings = Findings()
    if args.resource_type in (types.APPLICATION, types.APPLICATION_REGISTRATION):
        audience = read(args.props, "signInAudience")
        if audience is UNKNOWN:
            findings.unreviewable("signInAudience")
        elif audience is not None and audience != SINGLE_TENANT_AUDIENCE:
            findings.violation(
                f"signInAudience is {text(audience)}; only {SINGLE_TENANT_AUDIENCE} (this tenant "
                "only, the default) is allowed"
            )
    findings.report(report_violation)


def _no_uris(where: str, value: object, findings: Findings) -> None:
    """A URI list property must be absent or empty."""
    uris = elements(value)
    if uris is UNKNOWN:
        findings.unreviewable(where)
    elif uris:
        shown = ", ".join("unknown" if uri is UNKNOWN else text(uri) for uri in uris)
        findings.violation(f"{where} is set ({shown}); no sign-in URIs are allowed")


def _not_enabled(where: str, value: object, findings: Findings) -> None:
    """A flag must be absent or false."""
    if value is UNKNOWN:
        findings.unreviewable(where)
    elif value is True:
        findings.violation(f"{where} is true; it must be false or unset")


def _check_block_uris(props: Mapping[str, Any], block: str, findings: Findings) -> None:
    """``redirectUris`` of a ``web``/``singlePageApplication``/``publicClient`` block."""
    found = blocks(read(props, block))
    if found is UNKNOWN:
        findings.unreviewable(block)
        return
    for item in found:
        _no_uris(f"{block}.redirectUris", read(item, "redirectUris"), findings)


def _check_application(props: Mapping[str, Any], findings: Findings) -> None:
    """Every sign-in surface an Application can declare inline."""
    for block in ("web", "singlePageApplication", "publicClient"):
        _check_block_uris(props, block, findings)
    for flag in ("accessTokenIssuanceEnabled", "idTokenIssuanceEnabled"):
        value = read_path(props, "web", "implicitGrant", flag)
        _not_enabled(f"web.implicitGrant.{flag}", value, findings)
    _no_uris("identifierUris", read(props, "identifierUris"), findings)
    _not_enabled(
        "fallbackPublicClientEnabled", read(props, "fallbackPublicClientEnabled"), findings
    )
    _not_enabled("deviceOnlyAuthEnabled", read(props, "deviceOnlyAuthEnabled"), findings)
    # An exposed API lets other clients ask for tokens to this app (red team RT-41).
    for key in ("oauth2PermissionScopes", "knownClientApplications", "mappedClaimsEnabled"):
        _none_set(f"api.{key}", read_path(props, "api", key), findings)
    _none_set("appRoles", read(props, "appRoles"), findings)


def _none_set(where: str, value: object, findings: Findings) -> None:
    """A list (or flag) that must be absent, empty or false."""
    if value is UNKNOWN:
        findings.unreviewable(where)
    elif value is True or (value not in (None, False) and elements(value)):
        findings.violation(f"{where} is set; a daemon application exposes no API and no roles")


def _check_service_principal(props: Mapping[str, Any], findings: Findings) -> None:
    """Single sign-on on the service principal is sign-in surface too (red team RT-09)."""
    for key in ("preferredSingleSignOnMode", "loginUrl", "samlSingleSignOn"):
        value = read(props, key)
        if value is UNKNOWN:
            findings.unreviewable(key)
        elif value not in (None, "", {}):
            findings.violation(
                f"{key} is set ({text(value)}); the service principal of a daemon application "
                "offers no single sign-on"
            )


def validate_no_sign_in_surface(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """No redirect URIs, implicit grant, identifier URIs or public-client fallback."""
    findings = Findings()
    props = args.props
    kind = args.resource_type
    if kind == types.APPLICATION:
        _check_application(props, findings)
    elif kind == types.SERVICE_PRINCIPAL:
        _check_service_principal(props, findings)
    elif kind == types.APPLICATION_REGISTRATION:
        for flag in ("implicitAccessTokenIssuanceEnabled", "implicitIdTokenIssuanceEnabled"):
            _not_enabled(flag, read(props, flag), findings)
    elif kind == types.APPLICATION_REDIRECT_URIS:
        _no_uris("redirectUris", read(props, "redirectUris"), findings)
    elif kind == types.APPLICATION_IDENTIFIER_URI:
        _no_uris("identifierUri", read(props, "identifierUri"), findings)
    elif kind == types.APPLICATION_FALLBACK_PUBLIC_CLIENT:
        _not_enabled("enabled", read(props, "enabled"), findings)
    findings.report(report_violation)


SINGLE_TENANT_DECLARATION: Final = Declaration(
    name=SINGLE_TENANT_POLICY,
    description="The application is single-tenant: signInAudience is AzureADMyOrg.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    kind=Kind.RESOURCE,
    validate=validate_single_tenant,
    remediation='Set signInAudience to "AzureADMyOrg" or leave it unset.',
    tags=("entra-id", "tier-0"),
)


NO_SIGN_IN_SURFACE_DECLARATION: Final = Declaration(
    name=NO_SIGN_IN_SURFACE_POLICY,
    description=(
        "The application has no interactive sign-in surface: no web, SPA or public-client "
        "redirect URIs, no implicit grant, no identifier URIs, no fallback public client."
    ),
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    kind=Kind.RESOURCE,
    validate=validate_no_sign_in_surface,
    remediation=(
        "Remove web, singlePageApplication and publicClient redirect URIs, implicitGrant, "
        "identifierUris and fallbackPublicClientEnabled (and any ApplicationRedirectUris, "
        "ApplicationIdentifierUri or ApplicationFallbackPublicClient resources): the "
        "integration signs in with its own client secret only."
    ),
    tags=("entra-id", "tier-0"),
)
