"""Single tenant, and no interactive sign-in surface on the application."""

from __future__ import annotations

import pytest

from entra_vocabulary import resource_types as types
from tests.policies.policy_harness import UNKNOWN, application, check, resource, without

TENANT = "single-tenant-application"
SURFACE = "no-interactive-sign-in-surface"


def test_the_programs_application_is_single_tenant_without_surface() -> None:
    assert check(TENANT, application()).passed
    assert check(SURFACE, application()).passed


def test_an_absent_audience_is_the_single_tenant_default() -> None:
    assert check(TENANT, without(application(), "signInAudience")).passed


@pytest.mark.parametrize("audience", ["AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount"])
def test_other_audiences_are_denied(audience: str) -> None:
    outcome = check(TENANT, application(signInAudience=audience))

    assert outcome.violations == [
        f"signInAudience is {audience}; only AzureADMyOrg (this tenant only, the default) "
        "is allowed"
    ]


def test_an_unknown_audience_is_a_violation() -> None:
    """The program always writes it: one computed from another resource cannot be reviewed."""
    outcome = check(TENANT, application(signInAudience=UNKNOWN))

    assert outcome.violations == [
        "signInAudience is unknown during preview: the program always writes it as a plain "
        "value (ids from Microsoft's table), and a value computed from another resource cannot "
        "be reviewed; write it as a literal"
    ]


def test_application_registration_audience_is_checked() -> None:
    target = resource(
        types.APPLICATION_REGISTRATION, "reg", {"signInAudience": "AzureADMultipleOrgs"}
    )

    assert not check(TENANT, target).passed


@pytest.mark.parametrize(
    ("changes", "property_path"),
    [
        ({"web": {"redirectUris": ["https://example.org/cb"]}}, "web.redirectUris"),
        (
            {"singlePageApplication": {"redirectUris": ["https://spa"]}},
            "singlePageApplication.redirectUris",
        ),
        ({"publicClient": {"redirectUris": ["ms-appx-web://x"]}}, "publicClient.redirectUris"),
        (
            {"web": {"implicitGrant": {"accessTokenIssuanceEnabled": True}}},
            "web.implicitGrant.accessTokenIssuanceEnabled",
        ),
        (
            {"web": {"implicitGrant": {"idTokenIssuanceEnabled": True}}},
            "web.implicitGrant.idTokenIssuanceEnabled",
        ),
        ({"identifierUris": ["api://privilege-secure"]}, "identifierUris"),
        ({"fallbackPublicClientEnabled": True}, "fallbackPublicClientEnabled"),
    ],
)
def test_each_sign_in_surface_is_denied(changes: dict[str, object], property_path: str) -> None:
    outcome = check(SURFACE, application(**changes))

    assert outcome.only_violation.startswith(f"{property_path} is ")


@pytest.mark.parametrize(
    "changes",
    [
        {"web": {"redirectUris": [], "homepageUrl": "https://netwrix.example"}},
        {"web": {"implicitGrant": {"accessTokenIssuanceEnabled": False}}},
        {"identifierUris": []},
        {"fallbackPublicClientEnabled": False},
    ],
)
def test_empty_or_disabled_surfaces_pass(changes: dict[str, object]) -> None:
    assert check(SURFACE, application(**changes)).passed


def test_a_redirect_uri_message_shows_the_uri() -> None:
    outcome = check(SURFACE, application(web={"redirectUris": ["https://evil.example/cb"]}))

    assert outcome.violations == [
        "web.redirectUris is set (https://evil.example/cb); no sign-in URIs are allowed"
    ]


def test_unknown_identifier_uris_are_a_violation() -> None:
    outcome = check(SURFACE, application(identifierUris=UNKNOWN))

    assert outcome.only_violation.startswith("identifierUris is unknown during preview")


@pytest.mark.parametrize(
    ("resource_type", "properties"),
    [
        (types.APPLICATION_REDIRECT_URIS, {"type": "Web", "redirectUris": ["https://x"]}),
        (types.APPLICATION_IDENTIFIER_URI, {"identifierUri": "api://x"}),
        (types.APPLICATION_FALLBACK_PUBLIC_CLIENT, {"enabled": True}),
        (types.APPLICATION_REGISTRATION, {"implicitIdTokenIssuanceEnabled": True}),
    ],
)
def test_the_split_application_resources_are_checked(
    resource_type: str, properties: dict[str, object]
) -> None:
    assert not check(SURFACE, resource(resource_type, "split", properties)).passed
