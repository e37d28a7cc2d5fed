"""Netwrix Privilege Secure's Entra ID app registration: read config, build, export."""

import pulumi

from components.app_registration import AppRegistration
from components.config import read_stack_config

app = AppRegistration("privilege-secure", read_stack_config())

pulumi.export("tenantId", app.tenant_id)
pulumi.export("clientId", app.client_id)
pulumi.export("applicationObjectId", app.application_object_id)
pulumi.export("servicePrincipalObjectId", app.service_principal_object_id)
pulumi.export("clientSecret", app.client_secret)
pulumi.export("clientSecretExpiresAt", app.client_secret_expires_at)
pulumi.export("clientSecretRotatesAt", app.client_secret_rotates_at)
pulumi.export("applicationPermissions", app.application_permissions)
pulumi.export("delegatedPermissions", app.delegated_permissions)
pulumi.export("directoryRoles", app.directory_roles)
pulumi.export("privilegeSecureVersion", app.privilege_secure_version)
pulumi.export("passwordWritebackRequired", app.password_writeback_required)
