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
APPLICATION_CERTIFICATE: Final = "azuread:index/applicationCertificate:ApplicationCertificate"
APPLICATION_FEDERATED_IDENTITY_CREDENTIAL: Final = (
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
)
APPLICATION_FLEXIBLE_FEDERATED_IDENTITY_CREDENTIAL: Final = (
    "azuread:index/applicationFlexibleFederatedIdentityCredential:"
    "ApplicationFlexibleFederatedIdentityCredential"
)
SERVICE_PRINCIPAL_CERTIFICATE: Final = (
    "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate"
)
SERVICE_PRINCIPAL_TOKEN_SIGNING_CERTIFICATE: Final = (
    "azuread:index/servicePrincipalTokenSigningCertificate:ServicePrincipalTokenSigningCertificate"
)
SYNCHRONIZATION_SECRET: Final = "azuread:index/synchronizationSecret:SynchronizationSecret"
DIRECTORY_ROLE_MEMBER: Final = "azuread:index/directoryRoleMember:DirectoryRoleMember"
ADMINISTRATIVE_UNIT_ROLE_MEMBER: Final = (
    "azuread:index/administrativeUnitRoleMember:AdministrativeUnitRoleMember"
)
GROUP: Final = "azuread:index/group:Group"
GROUP_MEMBER: Final = "azuread:index/groupMember:GroupMember"
PRIVILEGED_ACCESS_GROUP_ASSIGNMENT: Final = (
    "azuread:index/privilegedAccessGroupAssignmentSchedule:PrivilegedAccessGroupAssignmentSchedule"
)
PRIVILEGED_ACCESS_GROUP_ELIGIBILITY: Final = (
    "azuread:index/privilegedAccessGroupEligibilitySchedule:"
    "PrivilegedAccessGroupEligibilitySchedule"
)
ACCESS_PACKAGE_CATALOG_ROLE_ASSIGNMENT: Final = (
    "azuread:index/accessPackageCatalogRoleAssignment:AccessPackageCatalogRoleAssignment"
)

GET_CLIENT_CONFIG: Final = "azuread:index/getClientConfig:getClientConfig"
GET_DIRECTORY_ROLE_TEMPLATES: Final = (
    "azuread:index/getDirectoryRoleTemplates:getDirectoryRoleTemplates"
)
GET_SERVICE_PRINCIPAL: Final = "azuread:index/getServicePrincipal:getServicePrincipal"
"""The azuread functions (invokes) the program calls: who deploys, the tenant's role templates,
Microsoft Graph's service principal."""

STACK: Final = "pulumi:pulumi:Stack"
PROVIDERS: Final = "pulumi:providers:*"
"""Every provider resource (``pulumi:providers:azuread``, the default one included)."""
COMPONENT: Final = "privilegesecure:index:AppRegistration"
"""Our component (``components.app_registration.TYPE_TOKEN`` is this)."""

PROGRAM_RESOURCE_TYPES: Final[tuple[str, ...]] = (
    STACK,
    PROVIDERS,
    COMPONENT,
    APPLICATION,
    SERVICE_PRINCIPAL,
    APP_ROLE_ASSIGNMENT,
    DELEGATED_PERMISSION_GRANT,
    APPLICATION_PASSWORD,
    DIRECTORY_ROLE_ASSIGNMENT,
    SLEEP,
)
"""Every type a stack gated by the pack may declare without configuration: the types the program
declares, Pulumi's own and our component. Adding a type to the program is one line here (a test
runs the program and checks that every type it declares is listed)."""
