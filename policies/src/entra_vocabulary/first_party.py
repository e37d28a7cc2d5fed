"""Microsoft first-party applications whose service principals a stack must never manage.

A declared ``ServicePrincipal`` for one of these (with ``useExisting`` or an import) is deleted by
``pulumi destroy`` or a replacement; Entra lets the API delete what the portal refuses to, and the
tenant loses that service (pulumi/pulumi-azuread#2045: a managed SharePoint Online service
principal was deleted and SharePoint stopped working). Look them up with
``azuread.get_service_principal(client_id=...)`` instead.

The well-known ids come from ``entra_vocabulary.microsoft_ids.FIRST_PARTY_APPLICATIONS``. Beyond
that table, Microsoft's reserved well-known ranges (``0000000x-0000-0000-c000-000000000000`` and
``0000000x-0000-0ff1-ce00-000000000000``) are treated as first-party too.
"""

from __future__ import annotations

import re
from typing import Final

from entra_vocabulary.microsoft_ids import FIRST_PARTY_APPLICATIONS

_RESERVED_RANGES: Final = re.compile(
    r"^[0-9a-f]{8}-0000-(0000-c000|0ff1-ce00)-000000000000$", re.IGNORECASE
)


def first_party_name(client_id: str, additional: tuple[str, ...] = ()) -> str | None:
    """The display name when ``client_id`` is a Microsoft first-party app, else ``None``."""
    normalized = client_id.strip().lower()
    if normalized in FIRST_PARTY_APPLICATIONS:
        return FIRST_PARTY_APPLICATIONS[normalized]
    if normalized in {extra.strip().lower() for extra in additional}:
        return "first-party application listed in additionalFirstPartyClientIds"
    if _RESERVED_RANGES.match(normalized):
        return "Microsoft first-party application (reserved well-known id range)"
    return None
