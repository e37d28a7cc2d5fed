"""The Privilege Secure app registration as one Pulumi component.

Declares, as children and in the order of Netwrix's click-through procedure: the application with
its Microsoft Graph permissions (steps 1-4), admin consent (step 5), the client secrets
("Generate Secret"), and the directory role assignment ("Add App Registration to Admin Role").
Which permissions and roles is data (``components.manifests``); which GUIDs is data
(``components.microsoft_ids``); this module is only the mechanism.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict, TypeVar

import pulumi
import pulumi_azuread as azuread

from components.manifests import MANIFESTS
from components.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    GraphPermission,
    PermissionType,
    graph_permission,
)
from components.secret_rotation import (
    ClockError,
    RotationPlan,
    SecretSlot,
    plan_rotation,
    rfc3339,
    rotation_clock,
)
from components.settings import SETTINGS_BY_ARG, InvalidSettingError, check_plain_args
from components.stack_outputs import STACK_OUTPUT_NAMES

TYPE_TOKEN = "privilegesecure:index:AppRegistration"

PASSWORD_WRITEBACK_WARNING = (
    "hybridTenant is true: enable Password Writeback in Microsoft Entra Connect (or Cloud Sync), "
    "or every password rotation Privilege Secure attempts for a synchronised account will fail"
)

_SLOT_INPUTS_FROZEN_WHILE_PREVIOUS = ["displayName", "endDate", "rotateWhenChanged"]
"""Every input of a secret: while a secret is the previous one, nothing may replace it."""


class AppRegistrationArgs(TypedDict):
    """Inputs of the app registration. Only ``display_name`` is required."""

    display_name: pulumi.Input[str]
    """The app registration's name, as admins see it in Entra ID."""
    privilege_secure_version: NotRequired[str]
    """Which Privilege Secure version's manifest to grant (``components.manifests``)."""
    manage_global_administrators: NotRequired[bool]
    """Assign Global Administrator instead of User Administrator (needed to manage GA accounts)."""
    secret_lifetime_days: NotRequired[int]
    """Lifetime of each client secret in days (1-730); a new one is issued at half of it."""
    secret_version: NotRequired[int]
    """Raise to replace the newest client secret now (after a leak); the previous one stays."""
    owners: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Object ids of the owners of the application and service principal; default: the deployer."""
    hybrid_tenant: NotRequired[bool]
    """The tenant syncs with on-premises AD: Password Writeback must be enabled for rotation."""
    protect: NotRequired[bool]
    """Protect the application and service principal from deletion by Pulumi."""
    notes: NotRequired[pulumi.Input[str]]
    """The application's notes field (a change ticket, say); default: none."""


class AppRegistration(pulumi.ComponentResource):
    """An Entra ID app registration that Netwrix Privilege Secure uses as its service account."""

    tenant_id: pulumi.Output[str]
    """Directory (tenant) ID: for the Entra ID tenant resource in Privilege Secure."""
    client_id: pulumi.Output[str]
    """Application (client) ID: for the Privilege Secure service account."""
    application_object_id: pulumi.Output[str]
    """The application's object id (``/applications/{id}`` in Microsoft Graph)."""
    service_principal_object_id: pulumi.Output[str]
    """The service principal's object id: the principal that holds the consents and roles."""
    client_secret: pulumi.Output[str]
    """The newest client secret (a Pulumi secret): for the Privilege Secure service account."""
    client_secret_expires_at: pulumi.Output[str]
    """When the newest client secret expires (RFC 3339, UTC)."""
    client_secret_rotates_at: pulumi.Output[str]
    """When the next ``pulumi up`` issues a new secret (RFC 3339, UTC)."""
    application_permissions: pulumi.Output[list[str]]
    """Names of the Microsoft Graph application permissions consented."""
    delegated_permissions: pulumi.Output[list[str]]
    """Names of the Microsoft Graph delegated permissions consented, tenant-wide."""
    directory_roles: pulumi.Output[list[str]]
    """Names of the directory roles assigned to the service principal."""
    privilege_secure_version: pulumi.Output[str]
    """The Privilege Secure manifest deployed."""
    password_writeback_required: pulumi.Output[bool]
    """True for a hybrid tenant: Password Writeback must be enabled for password rotation."""

    def __init__(
        self,
        name: str,
        args: AppRegistrationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Refuse bad values before anything is registered: never a half-declared component.
        try:
            check_plain_args(dict(args), where=f"{TYPE_TOKEN} {name}: ")
            now = rotation_clock()
        except (InvalidSettingError, ClockError) as error:
            raise pulumi.RunError(str(error)) from None
        manifest = MANIFESTS[_get(args, "privilege_secure_version", str)]
        manage_global_administrators = _get(args, "manage_global_administrators", bool)
        rotation = plan_rotation(now, _get(args, "secret_lifetime_days", int))
        super().__init__(TYPE_TOKEN, name, None, opts)
        application_permissions = [
            graph_permission(permission, PermissionType.APPLICATION)
            for permission in manifest.application_permissions
        ]
        delegated_permissions = [
            graph_permission(permission, PermissionType.DELEGATED)
            for permission in manifest.delegated_permissions
        ]
        # Microsoft Graph's service principal belongs to Microsoft: look it up, never declare it
        # (a declared one can be deleted by `pulumi destroy`). Looked up and checked before any
        # child is declared, so a tenant whose Graph disagrees with the pinned ids gets nothing.
        graph_object_id = _verified_graph_object_id(
            azuread.get_service_principal(
                client_id=MICROSOFT_GRAPH_APP_ID, opts=pulumi.InvokeOptions(parent=self)
            ),
            application_permissions + delegated_permissions,
        )

        child = pulumi.ResourceOptions(parent=self)
        protected = pulumi.ResourceOptions(parent=self, protect=_get(args, "protect", bool))
        client_config = azuread.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        )
        owners = args.get("owners")
        if owners is None:
            owners = client_config.object_id.apply(lambda object_id: [object_id])

        # Steps 1-4: register the app and request the manifest's Microsoft Graph permissions.
        application = azuread.Application(
            f"{name}-application",
            display_name=args["display_name"],
            sign_in_audience="AzureADMyOrg",
            owners=owners,
            notes=args.get("notes"),
            required_resource_accesses=[
                azuread.ApplicationRequiredResourceAccessArgs(
                    resource_app_id=MICROSOFT_GRAPH_APP_ID,
                    resource_accesses=[
                        azuread.ApplicationRequiredResourceAccessResourceAccessArgs(
                            id=permission.id, type=permission.type.resource_access_type
                        )
                        for permission in application_permissions + delegated_permissions
                    ],
                )
            ],
            opts=protected,
        )
        service_principal = azuread.ServicePrincipal(
            f"{name}-service-principal",
            client_id=application.client_id,
            owners=owners,
            opts=protected,
        )

        # Step 5, "Grant Admin Consent", to Microsoft Graph's service principal.
        for permission in application_permissions:
            azuread.AppRoleAssignment(
                f"{name}-consent-{permission.name}",
                app_role_id=permission.id,
                principal_object_id=service_principal.object_id,
                resource_object_id=graph_object_id,
                opts=child,
            )
        if delegated_permissions:
            # One tenant-wide grant per client and resource: a second one is refused (409).
            azuread.ServicePrincipalDelegatedPermissionGrant(
                f"{name}-consent-delegated",
                service_principal_object_id=service_principal.object_id,
                resource_service_principal_object_id=graph_object_id,
                claim_values=[permission.name for permission in delegated_permissions],
                opts=child,
            )

        # "Generate Secret": two overlapping secrets that rotate without an outage.
        passwords = {
            slot.label: _declare_secret(name, slot, rotation, application, args, self)
            for slot in rotation.slots
        }

        # "Add App Registration to Admin Role".
        roles = manifest.roles_for(manage_global_administrators)
        for role in roles:
            azuread.DirectoryRoleAssignment(
                f"{name}-role-{_slug(role)}",
                role_id=DIRECTORY_ROLE_TEMPLATE_IDS[role],
                principal_object_id=service_principal.object_id,
                opts=child,
            )

        hybrid_tenant = _get(args, "hybrid_tenant", bool)
        if hybrid_tenant:
            pulumi.log.warn(PASSWORD_WRITEBACK_WARNING, resource=self)

        self.tenant_id = client_config.tenant_id
        self.client_id = application.client_id
        self.application_object_id = application.object_id
        self.service_principal_object_id = service_principal.object_id
        self.client_secret = pulumi.Output.secret(passwords[rotation.newest.label].value)
        self.client_secret_expires_at = pulumi.Output.from_input(rfc3339(rotation.newest.end_date))
        self.client_secret_rotates_at = pulumi.Output.from_input(rfc3339(rotation.rotates_at))
        self.application_permissions = pulumi.Output.from_input(
            list(manifest.application_permissions)
        )
        self.delegated_permissions = pulumi.Output.from_input(list(manifest.delegated_permissions))
        self.directory_roles = pulumi.Output.from_input(list(roles))
        self.privilege_secure_version = pulumi.Output.from_input(manifest.version)
        self.password_writeback_required = pulumi.Output.from_input(hybrid_tenant)
        self.register_outputs(
            {name: getattr(self, attribute) for attribute, name in STACK_OUTPUT_NAMES.items()}
        )


def _declare_secret(
    name: str,
    slot: SecretSlot,
    rotation: RotationPlan,
    application: azuread.Application,
    args: AppRegistrationArgs,
    parent: pulumi.Resource,
) -> azuread.ApplicationPassword:
    """One client secret slot.

    Its inputs change only when the slot becomes the newest for a new window, when
    ``secret_version`` is raised while it is the newest, or when the lifetime changes (new
    windows: a forced rotation of one secret). While it is the previous secret every input is
    frozen, so a version bump cannot cut off consumers that have not switched yet.
    """
    issued_for = rfc3339(slot.issued_for)
    return azuread.ApplicationPassword(
        f"{name}-client-secret-{slot.label}",
        application_id=application.id,
        display_name=f"Privilege Secure, issued for {issued_for}",
        end_date=rfc3339(slot.end_date),
        rotate_when_changed={
            "issuedFor": issued_for,
            "secretVersion": str(_get(args, "secret_version", int)),
        },
        opts=pulumi.ResourceOptions(
            parent=parent,
            ignore_changes=[] if slot.is_newest else _SLOT_INPUTS_FROZEN_WHILE_PREVIOUS,
        ),
    )


def _verified_graph_object_id(
    graph: azuread.GetServicePrincipalResult, permissions: Sequence[GraphPermission]
) -> str:
    """Graph's object id, once the tenant's Graph agrees with every pinned permission id."""
    mismatches = []
    for permission in permissions:
        published = (
            graph.app_role_ids
            if permission.type is PermissionType.APPLICATION
            else graph.oauth2_permission_scope_ids
        )
        found = published.get(permission.name)
        if found != permission.id:
            mismatches.append(
                f"{permission.name} ({permission.type.value}) is pinned as {permission.id} "
                f"but this tenant's Microsoft Graph has {found or 'no such permission'}"
            )
    if mismatches:
        raise pulumi.RunError(
            "Microsoft Graph permission ids differ from components/microsoft_ids.py, so nothing "
            "is consented: " + "; ".join(mismatches)
        )
    return graph.object_id


_Plain = TypeVar("_Plain", str, bool, int)


def _get(args: AppRegistrationArgs, arg: str, kind: type[_Plain]) -> _Plain:
    """A plain arg, or its documented default; checked already by ``check_plain_args``."""
    value = args.get(arg, SETTINGS_BY_ARG[arg].default)
    if not isinstance(value, kind):
        raise TypeError(f"{arg} must be a plain {kind.__name__}, not {type(value).__name__}")
    return value


def _slug(role: str) -> str:
    return role.lower().replace(" ", "-")
