"""Type tokens of the azuread resources the pack inspects, as the analyzer reports them."""

from __future__ import annotations

from typing import Final


def _azuread(name: str) -> str:
    """An azuread resource's (or function's) type token, ``azuread:index/<name>:<Name>``: the
    provider's one spelling, derived, so that each name is written once and a typo in one half
    cannot make a policy blind to its type."""
    return f"azuread:index/{name[0].lower()}{name[1:]}:{name}"


APPLICATION: Final = _azuread("Application")
APPLICATION_REGISTRATION: Final = _azuread("ApplicationRegistration")
APPLICATION_API_ACCESS: Final = _azuread("ApplicationApiAccess")
APPLICATION_OWNER: Final = _azuread("ApplicationOwner")
APPLICATION_PASSWORD: Final = _azuread("ApplicationPassword")
APPLICATION_REDIRECT_URIS: Final = _azuread("ApplicationRedirectUris")
APPLICATION_IDENTIFIER_URI: Final = _azuread("ApplicationIdentifierUri")
APPLICATION_FALLBACK_PUBLIC_CLIENT: Final = _azuread("ApplicationFallbackPublicClient")
SERVICE_PRINCIPAL: Final = _azuread("ServicePrincipal")
SERVICE_PRINCIPAL_PASSWORD: Final = _azuread("ServicePrincipalPassword")
APP_ROLE_ASSIGNMENT: Final = _azuread("AppRoleAssignment")
DELEGATED_PERMISSION_GRANT: Final = _azuread("ServicePrincipalDelegatedPermissionGrant")
DIRECTORY_ROLE: Final = _azuread("DirectoryRole")
DIRECTORY_ROLE_ASSIGNMENT: Final = _azuread("DirectoryRoleAssignment")
DIRECTORY_ROLE_ELIGIBILITY_REQUEST: Final = _azuread("DirectoryRoleEligibilityScheduleRequest")
SLEEP: Final = "time:index/sleep:Sleep"
"""pulumiverse-time's ``Sleep``: the program's wait for a new service principal to replicate."""
APPLICATION_CERTIFICATE: Final = _azuread("ApplicationCertificate")
APPLICATION_FEDERATED_IDENTITY_CREDENTIAL: Final = _azuread(
    "ApplicationFederatedIdentityCredential"
)
APPLICATION_FLEXIBLE_FEDERATED_IDENTITY_CREDENTIAL: Final = _azuread(
    "ApplicationFlexibleFederatedIdentityCredential"
)
SERVICE_PRINCIPAL_CERTIFICATE: Final = _azuread("ServicePrincipalCertificate")
SERVICE_PRINCIPAL_TOKEN_SIGNING_CERTIFICATE: Final = _azuread(
    "ServicePrincipalTokenSigningCertificate"
)
SYNCHRONIZATION_SECRET: Final = _azuread("SynchronizationSecret")
DIRECTORY_ROLE_MEMBER: Final = _azuread("DirectoryRoleMember")
ADMINISTRATIVE_UNIT_ROLE_MEMBER: Final = _azuread("AdministrativeUnitRoleMember")
GROUP: Final = _azuread("Group")
GROUP_MEMBER: Final = _azuread("GroupMember")
PRIVILEGED_ACCESS_GROUP_ASSIGNMENT: Final = _azuread("PrivilegedAccessGroupAssignmentSchedule")
PRIVILEGED_ACCESS_GROUP_ELIGIBILITY: Final = _azuread("PrivilegedAccessGroupEligibilitySchedule")
ACCESS_PACKAGE_CATALOG_ROLE_ASSIGNMENT: Final = _azuread("AccessPackageCatalogRoleAssignment")

GET_CLIENT_CONFIG: Final = _azuread("getClientConfig")
GET_DIRECTORY_ROLE_TEMPLATES: Final = _azuread("getDirectoryRoleTemplates")
GET_SERVICE_PRINCIPAL: Final = _azuread("getServicePrincipal")
"""The azuread functions (invokes) the program calls: who deploys, the tenant's role templates,
Microsoft Graph's service principal."""

STACK: Final = "pulumi:pulumi:Stack"
STACK_REFERENCE: Final = "pulumi:pulumi:StackReference"
"""Another stack's outputs (the consumer example reads ours so)."""
PROVIDER_PREFIX: Final = "pulumi:providers:"
"""What every provider resource's type starts with, the default providers included."""
PROVIDERS: Final = f"{PROVIDER_PREFIX}*"
"""Every provider resource, as an allowlist pattern."""
AZUREAD_PROVIDER: Final = f"{PROVIDER_PREFIX}azuread"
"""The azuread provider (an explicit one, or the default provider of the stack)."""
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
