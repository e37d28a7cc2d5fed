"""Type tokens of the azuread resources the pack inspects, as the analyzer reports them."""

from __future__ import annotations

from typing import Final

APPLICATION: Final = "azuread:index/application:Application"
APPLICATION_REGISTRATION: Final = "azuread:index/applicationRegistration:ApplicationRegistration"
APPLICATION_API_ACCESS: Final = "azuread:index/applicationApiAccess:ApplicationApiAccess"
APPLICATION_OWNER: Final = "azuread:index/applicationOwner:ApplicationOwner"
APPLICATION_PASSWORD: Final = "azuread:index/applicationPassword:ApplicationPassword"
APPLICATION_REDIRECT_URIS: Final = "azuread:index/applicationRedirectUris:ApplicationRedirectUris"
APPLICATION_IDENTIFIER_URI: Final = (
    "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri"
)
APPLICATION_FALLBACK_PUBLIC_CLIENT: Final = (
    "azuread:index/applicationFallbackPublicClient:ApplicationFallbackPublicClient"
)
SERVICE_PRINCIPAL: Final = "azuread:index/servicePrincipal:ServicePrincipal"
SERVICE_PRINCIPAL_PASSWORD: Final = (
    "azuread:index/servicePrincipalPassword:ServicePrincipalPassword"
)
APP_ROLE_ASSIGNMENT: Final = "azuread:index/appRoleAssignment:AppRoleAssignment"
DELEGATED_PERMISSION_GRANT: Final = (
    "azuread:index/servicePrincipalDelegatedPermissionGrant:"
    "ServicePrincipalDelegatedPermissionGrant"
)
DIRECTORY_ROLE: Final = "azuread:index/directoryRole:DirectoryRole"
DIRECTORY_ROLE_ASSIGNMENT: Final = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"
DIRECTORY_ROLE_ELIGIBILITY_REQUEST: Final = (
    "azuread:index/directoryRoleEligibilityScheduleRequest:DirectoryRoleEligibilityScheduleRequest"
)
SLEEP: Final = "time:index/sleep:Sleep"
"""pulumiverse-time's ``Sleep``: the program's wait for a new service principal to replicate."""
