"""The Privilege Secure app registration as one Pulumi component.

Declares, as children and in the order of Netwrix's click-through procedure: the application with
its Microsoft Graph permissions (steps 1-4), admin consent (step 5), the client secrets
("Generate Secret"), and the directory role assignment ("Add App Registration to Admin Role").
Which permissions and roles is data (``entra_vocabulary.manifests``); which GUIDs is data
(``entra_vocabulary.microsoft_ids``); this module is only the mechanism.
"""

from collections.abc import Sequence
from typing import Any, Final, NotRequired, TypedDict, TypeVar

import pulumi
import pulumi_azuread as azuread
import pulumiverse_time as time

# SDK internals, for one question no public API answers: mocks or a deployment (_under_mocks).
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_monitor

from components.adoption import ADOPT_LEFT_IN_CONFIG_WARNING, Adoption, adoption_from_args
from components.secret_rotation import (
    RevocationError,
    SecretSlot,
    deploy_clock,
    plan_rotation,
    slots_to_declare,
)
from components.settings import SETTINGS_BY_ARG, InvalidSettingError, check_plain_args
from components.stack_outputs import STACK_OUTPUT_NAMES, AppRegistrationOutputs
from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import ClockError, rfc3339
from entra_vocabulary.manifests import MANIFESTS
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_FORMER_NAMES,
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    GraphPermission,
    PermissionType,
    graph_permission,
)

TYPE_TOKEN = types.COMPONENT

NOTHING_TO_REVOKE_MESSAGE: Final = (
    "revokePreviousSecret is earlier than every current secret's end date: nothing was revoked. "
    "If a leaked secret is still valid, set revokePreviousSecret to the value of the stack output "
    "clientSecretRotatesAt (never the portal's Expires, which can differ after a "
    "secretLifetimeDays change); otherwise the key may be removed"
)
"""One line: a date copied from elsewhere must not read as "revoked" while the secret lives."""

PASSWORD_WRITEBACK_WARNING = (
    "hybridTenant is true: enable Password Writeback in Microsoft Entra Connect (or Cloud Sync), "
    "or every password rotation Privilege Secure attempts for a synchronised account will fail"
)

_SLOT_INPUTS_FROZEN_WHILE_PREVIOUS = ["displayName", "endDate", "rotateWhenChanged"]
"""Every input of a secret: while a secret is the previous one, nothing may replace it."""

REPLICATION_WAIT: Final = "180s"
"""How long consents and role assignments wait after a new service principal is created.

Entra ID replicates a new service principal with a delay and publishes no bound
(microsoftgraph/msgraph-bicep-types#193). The azuread provider retries app role assignments only
on some errors and directory role assignments not at all; first `apply`s fail on a service
principal not found yet (hashicorp/terraform-provider-azuread #1035, #1654, #1759, #1815, #1834),
and a retried create that had landed leaves the assignment in Entra but not in state, so every
rerun fails with "Permission being assigned already exists" (terraform-provider-azuread#1896).
Sixty seconds is the wait commonly reported to be enough (terraform-provider-azuread#652); 180 s
is what the Azure CLI allows a new service principal (36 retries of 5 s in ``create-for-rbac``)
and what terraform-provider-azurerm#1647 adopted for its role assignment retries. Paid once, on
the first ``up`` (and again only if the service principal is replaced).
"""


class AppRegistrationArgs(TypedDict):
    """Inputs of the app registration. Only ``display_name`` is required."""

    display_name: pulumi.Input[str]
    """The app registration's name, as admins see it in Entra ID."""
    privilege_secure_version: NotRequired[str]
    """Which Privilege Secure manifest to grant: "4.1" (the default), "4.2", "25.12" or "26.03"."""
    manage_global_administrators: NotRequired[bool]
    """Assign Global Administrator instead of User Administrator (needed to manage GA accounts)."""
    secret_lifetime_days: NotRequired[int]
    """Lifetime of each client secret in days (1-365); a new one is issued at half of it."""
    secret_version: NotRequired[int]
    """Raise to replace the newest client secret now (after a leak); the previous one stays."""
    owners: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Object ids of the owners of the app and service principal; default: the first deployer."""
    hybrid_tenant: NotRequired[bool]
    """The tenant syncs with on-premises AD: Password Writeback must be enabled for rotation."""
    revoke_previous_secret: NotRequired[str]
    """End date (RFC 3339 UTC) of a leaked previous client secret: remove it now; default: none."""
    protect: NotRequired[bool]
    """Protect the app, its consents and roles from deletion by Pulumi (``pulumi destroy``)."""
    notes: NotRequired[pulumi.Input[str]]
    """The application's notes field (a change ticket, say); default: none."""
    adopt: NotRequired[dict[str, Any]]
    """Import a registration made by hand (the ``adopt`` config object); default: none, create."""


# The outputs are the attributes of ``AppRegistrationOutputs`` (components/stack_outputs.py), the
# one output contract: this class inherits them, sets each and registers them. (The docstring is
# the package schema's description of the resource.)
class AppRegistration(pulumi.ComponentResource, AppRegistrationOutputs):
    """An Entra ID app registration that Netwrix Privilege Secure uses as its service account."""

    def __init__(
        self,
        name: str,
        args: AppRegistrationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Refuse bad values before anything is registered: never a half-declared component.
        try:
            check_plain_args(dict(args), where=f"{TYPE_TOKEN} {name}: ")
            adoption = adoption_from_args(dict(args), where=f"{TYPE_TOKEN} {name}: ")
            now, clock_warning = deploy_clock(pinned_clock_allowed=_under_mocks())
            rotation = plan_rotation(now, _get(args, "secret_lifetime_days", int))
            slots = slots_to_declare(rotation, args.get("revoke_previous_secret"))
        except (InvalidSettingError, ClockError, RevocationError) as error:
            raise pulumi.RunError(str(error)) from None
        manifest = MANIFESTS[_get(args, "privilege_secure_version", str)]
        manage_global_administrators = _get(args, "manage_global_administrators", bool)
        if _get(args, "protect", bool):
            # The component too, and through it (the SDK's inheritance) every child by default.
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True))
        super().__init__(TYPE_TOKEN, name, None, opts)
        if clock_warning:
            pulumi.log.warn(clock_warning, resource=self)
        if adoption != Adoption():
            pulumi.log.warn(ADOPT_LEFT_IN_CONFIG_WARNING, resource=self)
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
        # The role template ids too: a table that names Global Administrator's id "User
        # Administrator" would assign it under the wrong name (red team RT-00b).
        roles = manifest.roles_for(manage_global_administrators)
        _verify_role_templates(
            azuread.get_directory_role_templates(opts=pulumi.InvokeOptions(parent=self)), roles
        )

        # `protect` guards every child but the secrets (see `_declare_secret`): children inherit
        # it from the component. Consents and roles depend on the secrets, so `pulumi destroy`
        # tries (and fails) to delete them first and never reaches the secrets.
        guarded = pulumi.ResourceOptions(parent=self)
        client_config = azuread.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        )
        owners = args.get("owners")
        owner_options = guarded
        if owners is None:
            # Whoever runs the first `up` becomes the owner, and stays the owner: a later run by
            # another identity (a pipeline after a laptop) must not swap the owners of a Tier-0
            # app, since an owner can add credentials to it. Configure `owners` to change them.
            owners = client_config.object_id.apply(lambda object_id: [object_id])
            owner_options = pulumi.ResourceOptions.merge(
                guarded, pulumi.ResourceOptions(ignore_changes=["owners"])
            )

        # Steps 1-4: register the app and request the manifest's Microsoft Graph permissions.
        application = azuread.Application(
            f"{name}-application",
            display_name=args["display_name"],
            sign_in_audience="AzureADMyOrg",
            owners=owners,
            notes=args.get("notes"),
            # An app of the same name (a hand-made one, say) stops the first `up` instead of
            # leaving two look-alike Tier-0 apps side by side.
            prevent_duplicate_names=True,
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
            opts=pulumi.ResourceOptions.merge(owner_options, adoption.application()),
        )
        service_principal = azuread.ServicePrincipal(
            f"{name}-service-principal",
            client_id=application.client_id,
            owners=owners,
            opts=pulumi.ResourceOptions.merge(owner_options, adoption.service_principal()),
        )
        # Consents and roles wait until Entra has replicated the new service principal. The
        # trigger re-runs the wait only if the service principal is ever replaced.
        replicated = time.Sleep(
            f"{name}-service-principal-replication",
            create_duration=REPLICATION_WAIT,
            triggers={"servicePrincipalObjectId": service_principal.object_id},
            opts=guarded,
        )

        # "Generate Secret": overlapping secrets that rotate without an outage. Declared before
        # any privilege: a tenant whose app-management policy refuses the secret (say,
        # CredentialInvalidLifetimeAsPerAppPolicy) stops here, with nothing consented.
        passwords = {
            slot.label: _declare_secret(name, slot, application, args, self) for slot in slots
        }
        if len(slots) == len(rotation.slots) and args.get("revoke_previous_secret"):
            pulumi.log.info(NOTHING_TO_REVOKE_MESSAGE, resource=self)
        privileged = pulumi.ResourceOptions.merge(
            guarded, pulumi.ResourceOptions(depends_on=[replicated, *passwords.values()])
        )

        # Step 5, "Grant Admin Consent", to Microsoft Graph's service principal.
        for permission in application_permissions:
            azuread.AppRoleAssignment(
                f"{name}-consent-{permission.name}",
                app_role_id=permission.id,
                principal_object_id=service_principal.object_id,
                resource_object_id=graph_object_id,
                opts=pulumi.ResourceOptions.merge(
                    privileged, adoption.app_role_assignment(permission.name, graph_object_id)
                ),
            )
        if delegated_permissions:
            # One tenant-wide grant per client and resource: a second one is refused (409).
            azuread.ServicePrincipalDelegatedPermissionGrant(
                f"{name}-consent-delegated",
                service_principal_object_id=service_principal.object_id,
                resource_service_principal_object_id=graph_object_id,
                claim_values=[permission.name for permission in delegated_permissions],
                opts=pulumi.ResourceOptions.merge(
                    privileged, adoption.delegated_permission_grant()
                ),
            )

        # "Add App Registration to Admin Role".
        for role in roles:
            azuread.DirectoryRoleAssignment(
                f"{name}-role-{_slug(role)}",
                role_id=DIRECTORY_ROLE_TEMPLATE_IDS[role],
                principal_object_id=service_principal.object_id,
                opts=pulumi.ResourceOptions.merge(
                    privileged, adoption.directory_role_assignment(role)
                ),
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
            # Never protected, even when the component is: protect forbids the replacement that
            # rotation is. The protected consents and roles depend on it and shield it instead.
            protect=False,
        ),
    )


def _under_mocks() -> bool:
    """True under ``pulumi.runtime.set_mocks`` (tests, the offline preview), else a deployment.

    The Pulumi engine (and a component provider it starts) talks to the program through a gRPC
    ``ResourceMonitorStub``; mocks install a ``MockMonitor`` instead. Anything else, no monitor
    included, counts as a real deployment: the safe side for the clock.
    """
    return isinstance(get_monitor(), MockMonitor)


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
            "Microsoft Graph permission ids differ from "
            "policies/src/entra_vocabulary/microsoft_ids.py, so nothing is consented: "
            + "; ".join(mismatches)
        )
    return graph.object_id


def _verify_role_templates(
    templates: azuread.GetDirectoryRoleTemplatesResult, roles: Sequence[str]
) -> None:
    """Every role to assign is, in this tenant, the template its pinned id names."""
    published = {t.object_id.lower(): t.display_name for t in templates.role_templates}
    mismatches = []
    for role in roles:
        template_id = DIRECTORY_ROLE_TEMPLATE_IDS[role]
        found = published.get(template_id.lower())
        if found != role and found not in DIRECTORY_ROLE_FORMER_NAMES.get(role, frozenset()):
            mismatches.append(
                f"{role} is pinned as {template_id} but this tenant's role template of that id "
                f"is {found or 'missing'}"
            )
    if mismatches:
        raise pulumi.RunError(
            "Directory role template ids differ from "
            "policies/src/entra_vocabulary/microsoft_ids.py, so no role is assigned and nothing is "
            "declared: " + "; ".join(mismatches)
        )


_Plain = TypeVar("_Plain", str, bool, int)


def _get(args: AppRegistrationArgs, arg: str, kind: type[_Plain]) -> _Plain:
    """A plain arg, or its documented default; checked already by ``check_plain_args``."""
    value = args.get(arg, SETTINGS_BY_ARG[arg].default)
    if not isinstance(value, kind):
        raise TypeError(f"{arg} must be a plain {kind.__name__}, not {type(value).__name__}")
    return value


def _slug(role: str) -> str:
    return role.lower().replace(" ", "-")
