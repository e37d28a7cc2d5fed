"""The end-to-end suite's bad changes: each mutation of the program's declared resources, with
the mandatory finding that must stop it declared right above it (``expects``), and the helpers
that make them. ``test_policy_end_to_end.py`` runs each through the real pack."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from entra_vocabulary import resource_types as types
from entra_vocabulary.manifests import GLOBAL_ADMINISTRATOR, USER_ADMINISTRATOR
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    PermissionType,
    graph_permission,
)
from mock_engine.engine import (
    UNKNOWN,
    DeclaredResource,
    fake_guid,
)

APPLICATION_READWRITE_ALL: Final = graph_permission(
    "Application.ReadWrite.All", PermissionType.APPLICATION
).id
APP_ROLE_ASSIGNMENT_READWRITE_ALL: Final = graph_permission(
    "AppRoleAssignment.ReadWrite.All", PermissionType.APPLICATION
).id
DIRECTORY_ACCESS_AS_USER_ALL: Final = graph_permission(
    "Directory.AccessAsUser.All", PermissionType.DELEGATED
).id
"""Microsoft Graph ids of rights no manifest asks for, from Microsoft's full table."""
ROLE_MANAGEMENT: Final = "RoleManagement.ReadWrite.Directory"
"""The manifest permission that can grant any directory role."""
AZURE_AD_GRAPH_APP_ID: Final = "00000002-0000-0000-c000-000000000000"
GLOBAL_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[GLOBAL_ADMINISTRATOR]
USER_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[USER_ADMINISTRATOR]
ADMINISTRATIVE_UNIT_SCOPE: Final = f"/administrativeUnits/{fake_guid('administrative-unit')}"
SOME_USER: Final = fake_guid("user", "alice")


def app_role_id_of(name: str) -> str:
    """Microsoft's id of a Graph application permission, from the pinned table."""
    return graph_permission(name, PermissionType.APPLICATION).id


# --- building mutations from the declared resources -------------------------------------------


def _of_type(resources: list[DeclaredResource], type_token: str) -> list[DeclaredResource]:
    return [r for r in resources if r.type == type_token]


def only_of_type(resources: list[DeclaredResource], type_token: str) -> DeclaredResource:
    found = _of_type(resources, type_token)
    assert len(found) == 1, f"{len(found)} resources of type {type_token}"
    return found[0]


def consent_to(resources: list[DeclaredResource], permission: str) -> DeclaredResource:
    role_id = app_role_id_of(permission)
    found = [
        r
        for r in _of_type(resources, types.APP_ROLE_ASSIGNMENT)
        if r.inputs.get("appRoleId") == role_id
    ]
    assert len(found) == 1, f"{len(found)} consents of {permission}"
    return found[0]


def _swap(
    resources: list[DeclaredResource], old: DeclaredResource, new: DeclaredResource
) -> list[DeclaredResource]:
    """``resources`` with ``old`` replaced by ``new``, in place in the order."""
    assert old in resources
    return [new if r is old else r for r in resources]


def _copied(inputs: dict[str, Any]) -> dict[str, Any]:
    """A deep copy (``UNKNOWN`` stays the one sentinel: it copies to itself)."""
    return copy.deepcopy(inputs)


def _with_inputs(
    resources: list[DeclaredResource],
    target: DeclaredResource,
    edit: Callable[[dict[str, Any]], None],
) -> tuple[list[DeclaredResource], DeclaredResource]:
    """``target`` with its inputs edited on a deep copy (the module's cached runs stay intact)."""
    inputs = _copied(target.inputs)
    edit(inputs)
    changed = dataclasses.replace(target, inputs=inputs)
    return _swap(resources, target, changed), changed


def _set(**values: object) -> Callable[[dict[str, Any]], None]:
    def edit(inputs: dict[str, Any]) -> None:
        inputs.update(values)

    return edit


def _sibling(
    template: DeclaredResource,
    name: str,
    inputs: dict[str, Any],
    type_token: str | None = None,
    property_dependencies: dict[str, tuple[str, ...]] | None = None,
) -> DeclaredResource:
    """Another resource next to ``template`` (same parent and stack), as a change would add."""
    type_token = type_token or template.type
    qualified_type = template.urn.rsplit("::", 1)[0].rpartition("$")[0]
    return dataclasses.replace(
        template,
        type=type_token,
        name=name,
        urn=f"{qualified_type}${type_token}::{name}",
        id="",
        inputs=inputs,
        secret_inputs=frozenset(),
        outputs={},
        property_dependencies=(
            dict(template.property_dependencies)
            if property_dependencies is None
            else property_dependencies
        ),
    )


def _graph_access(inputs: dict[str, Any]) -> dict[str, Any]:
    """The Application's Microsoft Graph entry of ``requiredResourceAccesses``."""
    accesses = inputs["requiredResourceAccesses"]
    graph = [a for a in accesses if a["resourceAppId"] == MICROSOFT_GRAPH_APP_ID]
    assert len(graph) == 1
    result: dict[str, Any] = graph[0]
    return result


Mutated = tuple[list[DeclaredResource], str]
"""The mutated stack and the URN the violation must be reported on."""


MutationFunction = Callable[[list[DeclaredResource], datetime], Mutated]


@dataclass(frozen=True)
class Mutation:
    """A bad change to the declared resources, and the mandatory finding that must stop it."""

    id: str
    apply: MutationFunction
    policy: str
    needles: tuple[str, ...]
    """Text the finding must contain: the offending permission or role by name (and id)."""


MUTATIONS: Final[list[Mutation]] = []
"""Every bad change, each declared by ``expects`` right above the change it makes."""


def expects(
    id: str, policy: str, needles: tuple[str, ...]
) -> Callable[[MutationFunction], MutationFunction]:
    """Declare the mutation below and the mandatory finding that must stop it."""

    def register(apply: MutationFunction) -> MutationFunction:
        MUTATIONS.append(Mutation(id, apply, policy, needles))
        return apply

    return register


@expects(
    "global-administrator",
    "directory-role-allowlist",
    (f"Global Administrator ({GLOBAL_ADMINISTRATOR_ID})", "allowGlobalAdministrator: true"),
)
def global_administrator(resources: list[DeclaredResource], now: datetime) -> Mutated:
    assignment = next(
        r
        for r in _of_type(resources, types.DIRECTORY_ROLE_ASSIGNMENT)
        if r.inputs["roleId"] == USER_ADMINISTRATOR_ID
    )
    mutated, changed = _with_inputs(resources, assignment, _set(roleId=GLOBAL_ADMINISTRATOR_ID))
    return mutated, changed.urn


@expects(
    "role-scoped-to-administrative-unit",
    "directory-role-allowlist",
    (f"directoryScopeId is {ADMINISTRATIVE_UNIT_SCOPE}",),
)
def scoped_role_assignment(resources: list[DeclaredResource], now: datetime) -> Mutated:
    assignment = _of_type(resources, types.DIRECTORY_ROLE_ASSIGNMENT)[0]
    mutated, changed = _with_inputs(
        resources, assignment, _set(directoryScopeId=ADMINISTRATIVE_UNIT_SCOPE)
    )
    return mutated, changed.urn


@expects(
    "role-scoped-to-application",
    "directory-role-allowlist",
    ("appScopeId is set (/)",),
)
def app_scoped_role_assignment(resources: list[DeclaredResource], now: datetime) -> Mutated:
    assignment = _of_type(resources, types.DIRECTORY_ROLE_ASSIGNMENT)[0]
    mutated, changed = _with_inputs(resources, assignment, _set(appScopeId="/"))
    return mutated, changed.urn


@expects(
    "extra-app-role-requested",
    "graph-application-permissions-allowlist",
    (
        f"application permission Application.ReadWrite.All ({APPLICATION_READWRITE_ALL})",
        "is not in the allowlist",
    ),
)
def requested_extra_app_role(resources: list[DeclaredResource], now: datetime) -> Mutated:
    def edit(inputs: dict[str, Any]) -> None:
        _graph_access(inputs)["resourceAccesses"].append(
            {"id": APPLICATION_READWRITE_ALL, "type": "Role"}
        )

    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(resources, application, edit)
    return mutated, changed.urn


@expects(
    "extra-app-role-consented",
    "graph-application-permissions-allowlist",
    (
        "appRoleId: application permission AppRoleAssignment.ReadWrite.All "
        f"({APP_ROLE_ASSIGNMENT_READWRITE_ALL})",
    ),
)
@expects(
    "extra-app-role-consented-unrequested",
    "consent-matches-request",
    (APP_ROLE_ASSIGNMENT_READWRITE_ALL, "is consented but", "does not request it"),
)
def consented_extra_app_role(resources: list[DeclaredResource], now: datetime) -> Mutated:
    template = _of_type(resources, types.APP_ROLE_ASSIGNMENT)[0]
    inputs = {**_copied(template.inputs), "appRoleId": APP_ROLE_ASSIGNMENT_READWRITE_ALL}
    extra = _sibling(template, "privilege-secure-consent-AppRoleAssignment.ReadWrite.All", inputs)
    return [*resources, extra], extra.urn


@expects(
    "second-resource-application",
    "graph-application-permissions-allowlist",
    (f"resourceAppId {AZURE_AD_GRAPH_APP_ID} is not Microsoft Graph",),
)
def second_resource_application(resources: list[DeclaredResource], now: datetime) -> Mutated:
    def edit(inputs: dict[str, Any]) -> None:
        inputs["requiredResourceAccesses"].append(
            {
                "resourceAppId": AZURE_AD_GRAPH_APP_ID,
                "resourceAccesses": [
                    # Any id: a resource app other than Microsoft Graph is refused as such.
                    {"id": "0d0d0d0d-0000-4000-8000-00000000aad6", "type": "Role"}
                ],
            }
        )

    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(resources, application, edit)
    return mutated, changed.urn


@expects(
    "extra-delegated-scope-requested",
    "graph-delegated-permissions-allowlist",
    (
        f"delegated permission Directory.AccessAsUser.All ({DIRECTORY_ACCESS_AS_USER_ALL})",
        "is not in the allowlist",
    ),
)
def requested_extra_scope(resources: list[DeclaredResource], now: datetime) -> Mutated:
    def edit(inputs: dict[str, Any]) -> None:
        _graph_access(inputs)["resourceAccesses"].append(
            {"id": DIRECTORY_ACCESS_AS_USER_ALL, "type": "Scope"}
        )

    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(resources, application, edit)
    return mutated, changed.urn


def _latest_secret(resources: list[DeclaredResource]) -> DeclaredResource:
    secrets = _of_type(resources, types.APPLICATION_PASSWORD)
    assert len(secrets) == 2
    return max(secrets, key=lambda r: str(r.inputs["endDate"]))


@expects(
    "secret-beyond-limit",
    "client-secret-expiry",
    ("is more than 365 days ahead",),
)
def secret_beyond_limit(resources: list[DeclaredResource], now: datetime) -> Mutated:
    end_date = f"{now + timedelta(days=400):%Y-%m-%dT%H:%M:%SZ}"
    mutated, changed = _with_inputs(resources, _latest_secret(resources), _set(endDate=end_date))
    return mutated, changed.urn


@expects(
    "secret-end-date-relative",
    "client-secret-expiry",
    ("endDateRelative is set (8760h)",),
)
def secret_end_date_relative(resources: list[DeclaredResource], now: datetime) -> Mutated:
    def edit(inputs: dict[str, Any]) -> None:
        del inputs["endDate"]
        inputs["endDateRelative"] = "8760h"

    mutated, changed = _with_inputs(resources, _latest_secret(resources), edit)
    return mutated, changed.urn


@expects(
    "third-secret",
    "client-secret-count",
    ("has 3 client secrets", "privilege-secure-client-secret-c"),
)
def third_secret(resources: list[DeclaredResource], now: datetime) -> Mutated:
    template = _latest_secret(resources)
    extra = _sibling(template, "privilege-secure-client-secret-c", _copied(template.inputs))
    return [*resources, extra], only_of_type(resources, types.APPLICATION).urn


@expects(
    "multi-tenant-audience",
    "single-tenant-application",
    ("signInAudience is AzureADMultipleOrgs",),
)
def multi_tenant(resources: list[DeclaredResource], now: datetime) -> Mutated:
    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(
        resources, application, _set(signInAudience="AzureADMultipleOrgs")
    )
    return mutated, changed.urn


@expects(
    "web-redirect-uri",
    "no-interactive-sign-in-surface",
    ("web.redirectUris is set (https://pam.example.com/signin)",),
)
def web_redirect_uri(resources: list[DeclaredResource], now: datetime) -> Mutated:
    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(
        resources, application, _set(web={"redirectUris": ["https://pam.example.com/signin"]})
    )
    return mutated, changed.urn


@expects(
    "implicit-grant",
    "no-interactive-sign-in-surface",
    ("web.implicitGrant.accessTokenIssuanceEnabled is true",),
)
def implicit_grant(resources: list[DeclaredResource], now: datetime) -> Mutated:
    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(
        resources, application, _set(web={"implicitGrant": {"accessTokenIssuanceEnabled": True}})
    )
    return mutated, changed.urn


@expects(
    "identifier-uri",
    "no-interactive-sign-in-surface",
    ("identifierUris is set (api://privilege-secure)",),
)
def identifier_uri(resources: list[DeclaredResource], now: datetime) -> Mutated:
    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(
        resources, application, _set(identifierUris=["api://privilege-secure"])
    )
    return mutated, changed.urn


@expects(
    "consent-without-request",
    "consent-matches-request",
    (f"{ROLE_MANAGEMENT} ({app_role_id_of(ROLE_MANAGEMENT)}) is consented but",),
)
def consent_without_request(resources: list[DeclaredResource], now: datetime) -> Mutated:
    """The request loses RoleManagement.ReadWrite.Directory; its consent stays."""
    role_id = app_role_id_of(ROLE_MANAGEMENT)

    def edit(inputs: dict[str, Any]) -> None:
        access = _graph_access(inputs)
        kept = [e for e in access["resourceAccesses"] if e["id"] != role_id]
        assert len(kept) == len(access["resourceAccesses"]) - 1
        access["resourceAccesses"] = kept

    mutated, _ = _with_inputs(resources, only_of_type(resources, types.APPLICATION), edit)
    return mutated, consent_to(resources, ROLE_MANAGEMENT).urn


@expects(
    "half-consented",
    "consent-matches-request",
    ("application permission User.ReadWrite.All", "half-consented"),
)
def half_consented(resources: list[DeclaredResource], now: datetime) -> Mutated:
    """The request keeps User.ReadWrite.All; its consent is gone."""
    consent = consent_to(resources, "User.ReadWrite.All")
    return [r for r in resources if r is not consent], only_of_type(
        resources, types.APPLICATION
    ).urn


@expects(
    "managed-graph-service-principal",
    "graph-service-principal-not-managed",
    (f"clientId {MICROSOFT_GRAPH_APP_ID} is Microsoft Graph",),
)
def managed_graph_service_principal(resources: list[DeclaredResource], now: datetime) -> Mutated:
    template = only_of_type(resources, types.SERVICE_PRINCIPAL)
    extra = _sibling(
        template,
        "microsoft-graph",
        {"clientId": MICROSOFT_GRAPH_APP_ID, "useExisting": True},
        property_dependencies={},
    )
    return [*resources, extra], extra.urn


def _edited_grant(
    resources: list[DeclaredResource], edit: Callable[[dict[str, Any]], None]
) -> Mutated:
    """The program's delegated grant edited, or for 26.03 (no grant) an edited new one."""
    grants = _of_type(resources, types.DELEGATED_PERMISSION_GRANT)
    if grants:
        mutated, changed = _with_inputs(resources, grants[0], edit)
        return mutated, changed.urn
    consent = _of_type(resources, types.APP_ROLE_ASSIGNMENT)[0]
    inputs = {
        "servicePrincipalObjectId": consent.inputs["principalObjectId"],
        "resourceServicePrincipalObjectId": consent.inputs["resourceObjectId"],
        "claimValues": ["User.Read"],
    }
    edit(inputs)
    grant = _sibling(
        consent,
        "privilege-secure-consent-delegated",
        inputs,
        type_token=types.DELEGATED_PERMISSION_GRANT,
        property_dependencies={
            "servicePrincipalObjectId": consent.property_dependencies["principalObjectId"]
        },
    )
    return [*resources, grant], grant.urn


@expects(
    "single-user-delegated-grant",
    "graph-delegated-permissions-allowlist",
    (f"userObjectId is set ({SOME_USER})",),
)
def single_user_grant(resources: list[DeclaredResource], now: datetime) -> Mutated:
    return _edited_grant(resources, _set(userObjectId=SOME_USER))


@expects(
    "extra-delegated-scope-granted",
    "graph-delegated-permissions-allowlist",
    ("claimValues[1]: delegated permission Directory.AccessAsUser.All",),
)
def granted_extra_scope(resources: list[DeclaredResource], now: datetime) -> Mutated:
    def edit(inputs: dict[str, Any]) -> None:
        inputs["claimValues"].append("Directory.AccessAsUser.All")

    return _edited_grant(resources, edit)


@expects(
    "global-administrator-upper-case-id",
    "directory-role-allowlist",
    (f"Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",),
)
def global_administrator_in_upper_case(resources: list[DeclaredResource], now: datetime) -> Mutated:
    """GUIDs compare case-insensitively: an upper-case template id is the same role."""
    assignment = _of_type(resources, types.DIRECTORY_ROLE_ASSIGNMENT)[0]
    mutated, changed = _with_inputs(
        resources, assignment, _set(roleId=GLOBAL_ADMINISTRATOR_ID.upper())
    )
    return mutated, changed.urn


@expects(
    "activated-global-administrator-role",
    "directory-role-allowlist",
    (f"templateId: directory role Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",),
)
def activated_global_administrator(resources: list[DeclaredResource], now: datetime) -> Mutated:
    template = _of_type(resources, types.DIRECTORY_ROLE_ASSIGNMENT)[0]
    role = _sibling(
        template,
        "global-administrator",
        {"templateId": GLOBAL_ADMINISTRATOR_ID},
        type_token=types.DIRECTORY_ROLE,
        property_dependencies={},
    )
    return [*resources, role], role.urn


@expects(
    "eligible-for-global-administrator",
    "directory-role-allowlist",
    (f"roleDefinitionId: directory role Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",),
)
def eligible_for_global_administrator(resources: list[DeclaredResource], now: datetime) -> Mutated:
    template = _of_type(resources, types.DIRECTORY_ROLE_ASSIGNMENT)[0]
    request = _sibling(
        template,
        "privilege-secure-eligible-global-administrator",
        {
            "roleDefinitionId": GLOBAL_ADMINISTRATOR_ID,
            "principalId": template.inputs["principalObjectId"],
            "directoryScopeId": "/",
            "justification": "break glass",
        },
        type_token=types.DIRECTORY_ROLE_ELIGIBILITY_REQUEST,
        property_dependencies={"principalId": template.property_dependencies["principalObjectId"]},
    )
    return [*resources, request], request.urn


def _id_of(resource: DeclaredResource) -> object:
    """How another resource's input holding ``resource.id`` reaches the engine."""
    return resource.id or UNKNOWN


@expects(
    "extra-app-role-via-api-access",
    "graph-application-permissions-allowlist",
    (
        "roleIds[0]: application permission Application.ReadWrite.All "
        f"({APPLICATION_READWRITE_ALL})",
    ),
)
def api_access_extra_app_role(resources: list[DeclaredResource], now: datetime) -> Mutated:
    application = only_of_type(resources, types.APPLICATION)
    access = _sibling(
        application,
        "privilege-secure-graph-access",
        {
            "applicationId": _id_of(application),
            "apiClientId": MICROSOFT_GRAPH_APP_ID,
            "roleIds": [APPLICATION_READWRITE_ALL],
        },
        type_token=types.APPLICATION_API_ACCESS,
        property_dependencies={"applicationId": (application.urn,)},
    )
    return [*resources, access], access.urn


@expects(
    "split-redirect-uris",
    "no-interactive-sign-in-surface",
    ("redirectUris is set (https://pam.example.com/signin)",),
)
def split_redirect_uris(resources: list[DeclaredResource], now: datetime) -> Mutated:
    application = only_of_type(resources, types.APPLICATION)
    uris = _sibling(
        application,
        "privilege-secure-redirect-uris",
        {
            "applicationId": _id_of(application),
            "type": "Web",
            "redirectUris": ["https://pam.example.com/signin"],
        },
        type_token=types.APPLICATION_REDIRECT_URIS,
        property_dependencies={"applicationId": (application.urn,)},
    )
    return [*resources, uris], uris.urn


@expects(
    "fallback-public-client",
    "no-interactive-sign-in-surface",
    ("fallbackPublicClientEnabled is true",),
)
def fallback_public_client(resources: list[DeclaredResource], now: datetime) -> Mutated:
    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(resources, application, _set(fallbackPublicClientEnabled=True))
    return mutated, changed.urn


@expects(
    "third-secret-on-the-service-principal",
    "client-secret-count",
    ("has 3 client secrets", "ServicePrincipalPassword 'privilege-secure-sp-secret'"),
)
def service_principal_secret(resources: list[DeclaredResource], now: datetime) -> Mutated:
    """A third secret, on the service principal: it counts for the application too."""
    service_principal = only_of_type(resources, types.SERVICE_PRINCIPAL)
    secret = _sibling(
        service_principal,
        "privilege-secure-sp-secret",
        {
            "servicePrincipalId": _id_of(service_principal),
            "endDate": _latest_secret(resources).inputs["endDate"],
        },
        type_token=types.SERVICE_PRINCIPAL_PASSWORD,
        property_dependencies={"servicePrincipalId": (service_principal.urn,)},
    )
    return [*resources, secret], only_of_type(resources, types.APPLICATION).urn


@expects(
    "third-secret-inline",
    "client-secret-count",
    ("has 3 client secrets", "password block"),
)
def inline_password_block(resources: list[DeclaredResource], now: datetime) -> Mutated:
    """A third secret, inline on the application."""
    end_date = _latest_secret(resources).inputs["endDate"]
    application = only_of_type(resources, types.APPLICATION)
    mutated, changed = _with_inputs(
        resources, application, _set(password={"displayName": "inline", "endDate": end_date})
    )
    return mutated, changed.urn
