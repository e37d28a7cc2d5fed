"""A consumer of a privilege-secure-entra stack: reads its outputs through the typed helper.

Set the stack to read: ``pulumi config set privilegeSecureStack <org>/privilege-secure-entra/dev``.
In a program of your own, copy ``components/stack_outputs.py`` (it needs only ``pulumi``) or
install this repository into the program's virtualenv (``requirements.txt``: ``-e ../..``).
"""

import pulumi

from components.stack_outputs import read_app_registration_outputs

privilege_secure = read_app_registration_outputs(
    pulumi.StackReference(pulumi.Config().require("privilegeSecureStack"))
)

# What the Privilege Secure service account and Entra ID tenant resource need.
pulumi.export("clientId", privilege_secure.client_id)
pulumi.export("tenantId", privilege_secure.tenant_id)
pulumi.export("clientSecret", privilege_secure.client_secret)  # stays a secret
pulumi.export("clientSecretRotatesAt", privilege_secure.client_secret_rotates_at)
pulumi.export("directoryRoles", privilege_secure.directory_roles)
