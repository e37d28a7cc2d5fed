"""Every resource that adds a credential, and which application or service principal it names."""

from __future__ import annotations

from typing import Final

from entra_vocabulary import resource_types as types

CREDENTIAL_LINKS: Final[dict[str, tuple[str, bool]]] = {
    types.APPLICATION_PASSWORD: ("applicationId", True),
    types.APPLICATION_CERTIFICATE: ("applicationId", True),
    types.APPLICATION_FEDERATED_IDENTITY_CREDENTIAL: ("applicationId", True),
    types.APPLICATION_FLEXIBLE_FEDERATED_IDENTITY_CREDENTIAL: ("applicationId", True),
    types.SERVICE_PRINCIPAL_PASSWORD: ("servicePrincipalId", False),
    types.SERVICE_PRINCIPAL_CERTIFICATE: ("servicePrincipalId", False),
    types.SERVICE_PRINCIPAL_TOKEN_SIGNING_CERTIFICATE: ("servicePrincipalId", False),
}
"""Every resource that adds a credential: the property naming its application (``True``) or
service principal (``False``)."""

CERTIFICATE_TYPES: Final = (
    types.APPLICATION_CERTIFICATE,
    types.SERVICE_PRINCIPAL_CERTIFICATE,
    types.SERVICE_PRINCIPAL_TOKEN_SIGNING_CERTIFICATE,
)
