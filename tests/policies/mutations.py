"""The end-to-end suite's bad changes: each mutation of the program's declared resources, with
the mandatory finding that must stop it declared right above it (``expects``). Each change is a
line or two on ``Declared`` (edit, add or remove a resource, and where the finding lands), so
what a mutation does is all that its body says. ``test_policy_end_to_end.py`` runs each through
the real pack."""

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
    AZURE_AD_GRAPH_APP_ID,
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
from tests.policies.bad_change import BadChange


def app_role_id_of(name: str) -> str:
    """Microsoft's id of a Graph application permission, from the pinned table."""
    return graph_permission(name, PermissionType.APPLICATION).id


APPLICATION_READWRITE_ALL: Final = app_role_id_of("Application.ReadWrite.All")
APP_ROLE_ASSIGNMENT_READWRITE_ALL: Final = app_role_id_of("AppRoleAssignment.ReadWrite.All")
DIRECTORY_ACCESS_AS_USER_ALL: Final = graph_permission(
    "Directory.AccessAsUser.All", PermissionType.DELEGATED
).id
"""Microsoft Graph ids of rights no manifest asks for, from Microsoft's full table."""
ROLE_MANAGEMENT: Final = "RoleManagement.ReadWrite.Directory"
"""The manifest permission that can grant any directory role."""
GLOBAL_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[GLOBAL_ADMINISTRATOR]
USER_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[USER_ADMINISTRATOR]
ADMINISTRATIVE_UNIT_SCOPE: Final = f"/administrativeUnits/{fake_guid('administrative-unit')}"
SOME_USER: Final = fake_guid("user", "alice")
SIGN_IN_URI: Final = "https://pam.example.com/signin"


# --- what a mutation starts from, and the changes it can make -------------------------------


def only_of_type(resources: list[DeclaredResource], type_token: str) -> DeclaredResource:
    found = [r for r in resources if r.type == type_token]
    assert len(found) == 1, f"{len(found)} resources of type {type_token}"
    return found[0]


def consent_to(resources: list[DeclaredResource], permission: str) -> DeclaredResource:
    role_id = app_role_id_of(permission)
    found = [
        r
        for r in resources
        if r.type == types.APP_ROLE_ASSIGNMENT and r.inputs.get("appRoleId") == role_id
    ]
    assert len(found) == 1, f"{len(found)} consents of {permission}"
    return found[0]


Mutated = tuple[list[DeclaredResource], str]
"""The mutated stack and the URN the violation must be reported on."""

Edit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Declared:
    """The resources one cached program run declared, at the run's clock: what a mutation starts
    from. Every change returns a new list and edits deep copies (``UNKNOWN`` copies to itself),
    so the cached run stays intact for the next mutation."""

    resources: list[DeclaredResource]
    now: datetime

    def of_type(self, type_token: str) -> list[DeclaredResource]:
        return [r for r in self.resources if r.type == type_token]

    @property
    def application(self) -> DeclaredResource:
        return only_of_type(self.resources, types.APPLICATION)

    @property
    def service_principal(self) -> DeclaredResource:
        return only_of_type(self.resources, types.SERVICE_PRINCIPAL)

    @property
    def role_assignment(self) -> DeclaredResource:
        """The program's first directory role assignment."""
        return self.of_type(types.DIRECTORY_ROLE_ASSIGNMENT)[0]

    @property
    def latest_secret(self) -> DeclaredResource:
        """The later-ending of the program's two rotating client secrets."""
        secrets = self.of_type(types.APPLICATION_PASSWORD)
        assert len(secrets) == 2
        return max(secrets, key=lambda r: str(r.inputs["endDate"]))

    def edit(
        self, target: DeclaredResource, edit: Edit, reported_on: DeclaredResource | None = None
    ) -> Mutated:
        """``target`` with its inputs edited, in its place in the order; the finding lands on it
        unless ``reported_on`` says where."""
        assert target in self.resources
        inputs = copy.deepcopy(target.inputs)
        edit(inputs)
        changed = dataclasses.replace(target, inputs=inputs)
        return [changed if r is target else r for r in self.resources], (reported_on or changed).urn

    def set(self, target: DeclaredResource, **values: object) -> Mutated:
        """``target`` with these inputs set."""
        return self.edit(target, lambda inputs: inputs.update(values))

    def add(
        self,
        template: DeclaredResource,
        name: str,
        inputs: dict[str, Any],
        type_token: str | None = None,
        links: dict[str, tuple[str, ...]] | None = None,
        reported_on: DeclaredResource | None = None,
    ) -> Mutated:
        """Another resource next to ``template`` (same parent and stack), as a change would add:
        ``links`` are its property dependencies (``template``'s when not given); the finding
        lands on it unless ``reported_on`` says where."""
        type_token = type_token or template.type
        qualified_type = template.urn.rsplit("::", 1)[0].rpartition("$")[0]
        added = dataclasses.replace(
            template,
            type=type_token,
            name=name,
            urn=f"{qualified_type}${type_token}::{name}",
            id="",
            inputs=copy.deepcopy(inputs),
            secret_inputs=frozenset(),
            outputs={},
            property_dependencies=dict(template.property_dependencies if links is None else links),
        )
        return [*self.resources, added], (reported_on or added).urn

    def add_linked(
        self,
        target: DeclaredResource,
        key: str,
        name: str,
        type_token: str,
        inputs: dict[str, Any],
        reported_on: DeclaredResource | None = None,
    ) -> Mutated:
        """A resource next to ``target`` whose input ``key`` holds ``target``'s id, as the engine
        receives it (unknown during a preview) with its property dependency on ``target``."""
        return self.add(
            target,
            name,
            {key: target.id or UNKNOWN, **inputs},
            type_token,
            links={key: (target.urn,)},
            reported_on=reported_on,
        )

    def remove(self, target: DeclaredResource, reported_on: DeclaredResource) -> Mutated:
        """The stack without ``target``; the finding lands on ``reported_on``."""
        return [r for r in self.resources if r is not target], reported_on.urn


def _graph_access(inputs: dict[str, Any]) -> dict[str, Any]:
    """The Application's Microsoft Graph entry of ``requiredResourceAccesses``."""
    accesses = inputs["requiredResourceAccesses"]
    graph = [a for a in accesses if a["resourceAppId"] == MICROSOFT_GRAPH_APP_ID]
    assert len(graph) == 1
    result: dict[str, Any] = graph[0]
    return result


def _requesting(permission_id: str, kind: str) -> Edit:
    """An Application's inputs requesting one more Microsoft Graph permission."""

    def edit(inputs: dict[str, Any]) -> None:
        _graph_access(inputs)["resourceAccesses"].append({"id": permission_id, "type": kind})

    return edit


# --- the declarations ---------------------------------------------------------------------------


MutationFunction = Callable[[Declared], Mutated]


@dataclass(frozen=True)
class Mutation(BadChange):
    """A bad change to the declared resources, and the mandatory finding that must stop it."""

    change: MutationFunction

    def apply(self, resources: list[DeclaredResource], now: datetime) -> Mutated:
        return self.change(Declared(resources, now))


MUTATIONS: Final[list[Mutation]] = []
"""Every bad change, each declared by ``expects`` right above the change it makes."""


def expects(id: str, policy: str, *needles: str) -> Callable[[MutationFunction], MutationFunction]:
    """Declare the mutation below and the mandatory finding that must stop it."""

    def register(change: MutationFunction) -> MutationFunction:
        MUTATIONS.append(Mutation(id, policy, needles, change))
        return change

    return register


# --- directory roles ----------------------------------------------------------------------------


@expects(
    "global-administrator",
    "directory-role-allowlist",
    f"Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",
    "allowGlobalAdministrator: true",
)
def global_administrator(program: Declared) -> Mutated:
    user_administrator = next(
        r
        for r in program.of_type(types.DIRECTORY_ROLE_ASSIGNMENT)
        if r.inputs["roleId"] == USER_ADMINISTRATOR_ID
    )
    return program.set(user_administrator, roleId=GLOBAL_ADMINISTRATOR_ID)


@expects(
    "global-administrator-upper-case-id",
    "directory-role-allowlist",
    f"Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",
)
def global_administrator_in_upper_case(program: Declared) -> Mutated:
    """GUIDs compare case-insensitively: an upper-case template id is the same role."""
    return program.set(program.role_assignment, roleId=GLOBAL_ADMINISTRATOR_ID.upper())


@expects(
    "role-scoped-to-administrative-unit",
    "directory-role-allowlist",
    f"directoryScopeId is {ADMINISTRATIVE_UNIT_SCOPE}",
)
def scoped_role_assignment(program: Declared) -> Mutated:
    return program.set(program.role_assignment, directoryScopeId=ADMINISTRATIVE_UNIT_SCOPE)


@expects("role-scoped-to-application", "directory-role-allowlist", "appScopeId is set (/)")
def app_scoped_role_assignment(program: Declared) -> Mutated:
    return program.set(program.role_assignment, appScopeId="/")


@expects(
    "activated-global-administrator-role",
    "directory-role-allowlist",
    f"templateId: directory role Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",
)
def activated_global_administrator(program: Declared) -> Mutated:
    return program.add(
        program.role_assignment,
        "global-administrator",
        {"templateId": GLOBAL_ADMINISTRATOR_ID},
        types.DIRECTORY_ROLE,
        links={},
    )


@expects(
    "eligible-for-global-administrator",
    "directory-role-allowlist",
    f"roleDefinitionId: directory role Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",
)
def eligible_for_global_administrator(program: Declared) -> Mutated:
    assignment = program.role_assignment
    return program.add(
        assignment,
        "privilege-secure-eligible-global-administrator",
        {
            "roleDefinitionId": GLOBAL_ADMINISTRATOR_ID,
            "principalId": assignment.inputs["principalObjectId"],
            "directoryScopeId": "/",
            "justification": "break glass",
        },
        types.DIRECTORY_ROLE_ELIGIBILITY_REQUEST,
        links={"principalId": assignment.property_dependencies["principalObjectId"]},
    )


# --- Microsoft Graph permissions ----------------------------------------------------------------


@expects(
    "extra-app-role-requested",
    "graph-application-permissions-allowlist",
    f"application permission Application.ReadWrite.All ({APPLICATION_READWRITE_ALL})",
    "is not in the allowlist",
)
def requested_extra_app_role(program: Declared) -> Mutated:
    return program.edit(program.application, _requesting(APPLICATION_READWRITE_ALL, "Role"))


@expects(
    "extra-app-role-consented",
    "graph-application-permissions-allowlist",
    "appRoleId: application permission AppRoleAssignment.ReadWrite.All "
    f"({APP_ROLE_ASSIGNMENT_READWRITE_ALL})",
)
@expects(
    "extra-app-role-consented-unrequested",
    "consent-matches-request",
    APP_ROLE_ASSIGNMENT_READWRITE_ALL,
    "is consented but",
    "does not request it",
)
def consented_extra_app_role(program: Declared) -> Mutated:
    consent = program.of_type(types.APP_ROLE_ASSIGNMENT)[0]
    return program.add(
        consent,
        "privilege-secure-consent-AppRoleAssignment.ReadWrite.All",
        {**consent.inputs, "appRoleId": APP_ROLE_ASSIGNMENT_READWRITE_ALL},
    )


@expects(
    "extra-app-role-via-api-access",
    "graph-application-permissions-allowlist",
    f"roleIds[0]: application permission Application.ReadWrite.All ({APPLICATION_READWRITE_ALL})",
)
def api_access_extra_app_role(program: Declared) -> Mutated:
    return program.add_linked(
        program.application,
        "applicationId",
        "privilege-secure-graph-access",
        types.APPLICATION_API_ACCESS,
        {"apiClientId": MICROSOFT_GRAPH_APP_ID, "roleIds": [APPLICATION_READWRITE_ALL]},
    )


@expects(
    "second-resource-application",
    "graph-application-permissions-allowlist",
    f"resourceAppId {AZURE_AD_GRAPH_APP_ID} is not Microsoft Graph",
)
def second_resource_application(program: Declared) -> Mutated:
    # Any id: a resource app other than Microsoft Graph is refused as such.
    access = {"id": "0d0d0d0d-0000-4000-8000-00000000aad6", "type": "Role"}
    resource = {"resourceAppId": AZURE_AD_GRAPH_APP_ID, "resourceAccesses": [access]}
    return program.edit(
        program.application, lambda inputs: inputs["requiredResourceAccesses"].append(resource)
    )


@expects(
    "extra-delegated-scope-requested",
    "graph-delegated-permissions-allowlist",
    f"delegated permission Directory.AccessAsUser.All ({DIRECTORY_ACCESS_AS_USER_ALL})",
    "is not in the allowlist",
)
def requested_extra_scope(program: Declared) -> Mutated:
    return program.edit(program.application, _requesting(DIRECTORY_ACCESS_AS_USER_ALL, "Scope"))


@expects(
    "consent-without-request",
    "consent-matches-request",
    f"{ROLE_MANAGEMENT} ({app_role_id_of(ROLE_MANAGEMENT)}) is consented but",
)
def consent_without_request(program: Declared) -> Mutated:
    """The request loses RoleManagement.ReadWrite.Directory; its consent stays."""
    role_id = app_role_id_of(ROLE_MANAGEMENT)

    def edit(inputs: dict[str, Any]) -> None:
        access = _graph_access(inputs)
        kept = [e for e in access["resourceAccesses"] if e["id"] != role_id]
        assert len(kept) == len(access["resourceAccesses"]) - 1
        access["resourceAccesses"] = kept

    return program.edit(
        program.application, edit, reported_on=consent_to(program.resources, ROLE_MANAGEMENT)
    )


@expects(
    "half-consented",
    "consent-matches-request",
    "application permission User.ReadWrite.All",
    "half-consented",
)
def half_consented(program: Declared) -> Mutated:
    """The request keeps User.ReadWrite.All; its consent is gone."""
    consent = consent_to(program.resources, "User.ReadWrite.All")
    return program.remove(consent, reported_on=program.application)


@expects(
    "managed-graph-service-principal",
    "graph-service-principal-not-managed",
    f"clientId {MICROSOFT_GRAPH_APP_ID} is Microsoft Graph",
)
def managed_graph_service_principal(program: Declared) -> Mutated:
    return program.add(
        program.service_principal,
        "microsoft-graph",
        {"clientId": MICROSOFT_GRAPH_APP_ID, "useExisting": True},
        links={},
    )


def _edited_grant(program: Declared, edit: Edit) -> Mutated:
    """The program's delegated grant edited, or for 26.03 (no grant) an edited new one."""
    grants = program.of_type(types.DELEGATED_PERMISSION_GRANT)
    if grants:
        return program.edit(grants[0], edit)
    consent = program.of_type(types.APP_ROLE_ASSIGNMENT)[0]
    inputs = {
        "servicePrincipalObjectId": consent.inputs["principalObjectId"],
        "resourceServicePrincipalObjectId": consent.inputs["resourceObjectId"],
        "claimValues": ["User.Read"],
    }
    edit(inputs)
    return program.add(
        consent,
        "privilege-secure-consent-delegated",
        inputs,
        types.DELEGATED_PERMISSION_GRANT,
        links={"servicePrincipalObjectId": consent.property_dependencies["principalObjectId"]},
    )


@expects(
    "single-user-delegated-grant",
    "graph-delegated-permissions-allowlist",
    f"userObjectId is set ({SOME_USER})",
)
def single_user_grant(program: Declared) -> Mutated:
    return _edited_grant(program, lambda inputs: inputs.update(userObjectId=SOME_USER))


@expects(
    "extra-delegated-scope-granted",
    "graph-delegated-permissions-allowlist",
    "claimValues[1]: delegated permission Directory.AccessAsUser.All",
)
def granted_extra_scope(program: Declared) -> Mutated:
    return _edited_grant(
        program, lambda inputs: inputs["claimValues"].append("Directory.AccessAsUser.All")
    )


# --- client secrets -----------------------------------------------------------------------------


@expects("secret-beyond-limit", "client-secret-expiry", "is more than 365 days ahead")
def secret_beyond_limit(program: Declared) -> Mutated:
    end_date = f"{program.now + timedelta(days=400):%Y-%m-%dT%H:%M:%SZ}"
    return program.set(program.latest_secret, endDate=end_date)


@expects("secret-end-date-relative", "client-secret-expiry", "endDateRelative is set (8760h)")
def secret_end_date_relative(program: Declared) -> Mutated:
    def edit(inputs: dict[str, Any]) -> None:
        del inputs["endDate"]
        inputs["endDateRelative"] = "8760h"

    return program.edit(program.latest_secret, edit)


@expects(
    "third-secret",
    "client-secret-count",
    "has 3 client secrets",
    "privilege-secure-client-secret-c",
)
def third_secret(program: Declared) -> Mutated:
    secret = program.latest_secret
    return program.add(
        secret, "privilege-secure-client-secret-c", secret.inputs, reported_on=program.application
    )


@expects(
    "third-secret-on-the-service-principal",
    "client-secret-count",
    "has 3 client secrets",
    "ServicePrincipalPassword 'privilege-secure-sp-secret'",
)
def service_principal_secret(program: Declared) -> Mutated:
    """A third secret, on the service principal: it counts for the application too."""
    return program.add_linked(
        program.service_principal,
        "servicePrincipalId",
        "privilege-secure-sp-secret",
        types.SERVICE_PRINCIPAL_PASSWORD,
        {"endDate": program.latest_secret.inputs["endDate"]},
        reported_on=program.application,
    )


@expects("third-secret-inline", "client-secret-count", "has 3 client secrets", "password block")
def inline_password_block(program: Declared) -> Mutated:
    """A third secret, inline on the application."""
    end_date = program.latest_secret.inputs["endDate"]
    return program.set(program.application, password={"displayName": "inline", "endDate": end_date})


# --- audience and sign-in surface ---------------------------------------------------------------


@expects(
    "multi-tenant-audience",
    "single-tenant-application",
    "signInAudience is AzureADMultipleOrgs",
)
def multi_tenant(program: Declared) -> Mutated:
    return program.set(program.application, signInAudience="AzureADMultipleOrgs")


@expects(
    "web-redirect-uri",
    "no-interactive-sign-in-surface",
    f"web.redirectUris is set ({SIGN_IN_URI})",
)
def web_redirect_uri(program: Declared) -> Mutated:
    return program.set(program.application, web={"redirectUris": [SIGN_IN_URI]})


@expects(
    "implicit-grant",
    "no-interactive-sign-in-surface",
    "web.implicitGrant.accessTokenIssuanceEnabled is true",
)
def implicit_grant(program: Declared) -> Mutated:
    return program.set(
        program.application, web={"implicitGrant": {"accessTokenIssuanceEnabled": True}}
    )


@expects(
    "identifier-uri",
    "no-interactive-sign-in-surface",
    "identifierUris is set (api://privilege-secure)",
)
def identifier_uri(program: Declared) -> Mutated:
    return program.set(program.application, identifierUris=["api://privilege-secure"])


@expects(
    "fallback-public-client",
    "no-interactive-sign-in-surface",
    "fallbackPublicClientEnabled is true",
)
def fallback_public_client(program: Declared) -> Mutated:
    return program.set(program.application, fallbackPublicClientEnabled=True)


@expects(
    "split-redirect-uris",
    "no-interactive-sign-in-surface",
    f"redirectUris is set ({SIGN_IN_URI})",
)
def split_redirect_uris(program: Declared) -> Mutated:
    return program.add_linked(
        program.application,
        "applicationId",
        "privilege-secure-redirect-uris",
        types.APPLICATION_REDIRECT_URIS,
        {"type": "Web", "redirectUris": [SIGN_IN_URI]},
    )
