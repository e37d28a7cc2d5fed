"""A hand-made registration as the resources that would declare it, for the policy pack.

The audit asks the pack two questions: what it says of the stack once adopted (the program's own
resources), and what it says of the hand-made app as it stands. For the second, each object of
the export becomes the azuread resource that would declare it, with the inputs that resource
takes and the links (``propertyDependencies``) the engine would report, so the pack's resource
and stack policies judge it exactly as they judge a program. Certificates have no policy and are
left out (the audit lists them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from entra_vocabulary import resource_types as types
from entra_vocabulary.resource_types import COMPONENT
from mock_engine.engine import PROJECT, DeclaredResource
from offline_preview.graph_export import Export

PREFIX: Final = "hand-made"
"""Names of the resources standing for the hand-made objects: ``hand-made-application``..."""


def resources(export: Export, stack: str) -> list[DeclaredResource]:
    """The export as declared resources, linked as the engine would link them."""
    application = export.application
    service_principal = export.service_principal
    app = _resource(
        stack,
        types.APPLICATION,
        f"{PREFIX}-application",
        _application(application),
        state=_ids("applications", application),
    )
    sp = _resource(
        stack,
        types.SERVICE_PRINCIPAL,
        f"{PREFIX}-service-principal",
        {"clientId": service_principal["appId"], "owners": _owner_ids(service_principal)},
        {"clientId": app},
        state=_ids("servicePrincipals", service_principal),
    )
    found = [app, sp]
    for index, credential in enumerate(application.get("passwordCredentials") or []):
        found.append(
            _resource(
                stack,
                types.APPLICATION_PASSWORD,
                f"{PREFIX}-client-secret-{index}",
                {
                    "applicationId": f"/applications/{application['id']}",
                    "displayName": str(credential.get("displayName") or ""),
                    "endDate": _rfc3339(credential.get("endDateTime")),
                },
                {"applicationId": app},
            )
        )
    for index, assignment in enumerate(export.app_role_assignments):
        found.append(
            _resource(
                stack,
                types.APP_ROLE_ASSIGNMENT,
                f"{PREFIX}-consent-{index}",
                {
                    "appRoleId": assignment["appRoleId"],
                    "principalObjectId": service_principal["id"],
                    "resourceObjectId": assignment["resourceId"],
                },
                {"principalObjectId": sp},
            )
        )
    for index, grant in enumerate(export.oauth2_permission_grants):
        inputs: dict[str, Any] = {
            "servicePrincipalObjectId": service_principal["id"],
            "resourceServicePrincipalObjectId": grant["resourceId"],
            "claimValues": str(grant.get("scope") or "").split(),
        }
        if grant.get("principalId"):
            inputs["userObjectId"] = grant["principalId"]
        found.append(
            _resource(
                stack,
                types.DELEGATED_PERMISSION_GRANT,
                f"{PREFIX}-grant-{index}",
                inputs,
                {"servicePrincipalObjectId": sp},
            )
        )
    for index, assignment in enumerate(export.role_assignments):
        found.append(
            _resource(
                stack,
                types.DIRECTORY_ROLE_ASSIGNMENT,
                f"{PREFIX}-role-{index}",
                {
                    "roleId": assignment["roleDefinitionId"],
                    "principalObjectId": service_principal["id"],
                    "directoryScopeId": assignment.get("directoryScopeId") or "/",
                },
                {"principalObjectId": sp},
            )
        )
    return found


def _application(application: Mapping[str, Any]) -> dict[str, Any]:
    """The ``azuread.Application`` inputs that would declare this application."""
    inputs: dict[str, Any] = {
        "displayName": application.get("displayName"),
        "signInAudience": application.get("signInAudience"),
        "owners": _owner_ids(application),
        "requiredResourceAccesses": [
            {
                "resourceAppId": access.get("resourceAppId"),
                "resourceAccesses": [
                    {"id": item.get("id"), "type": item.get("type")}
                    for item in access.get("resourceAccess") or []
                ],
            }
            for access in application.get("requiredResourceAccess") or []
        ],
    }
    if application.get("notes"):
        inputs["notes"] = application["notes"]
    web = application.get("web") if isinstance(application.get("web"), dict) else {}
    implicit = web.get("implicitGrantSettings") if isinstance(web, dict) else None
    inputs["web"] = {
        "redirectUris": _list(web, "redirectUris"),
        "implicitGrant": {
            "accessTokenIssuanceEnabled": _flag(implicit, "enableAccessTokenIssuance"),
            "idTokenIssuanceEnabled": _flag(implicit, "enableIdTokenIssuance"),
        },
    }
    inputs["singlePageApplication"] = {
        "redirectUris": _list(application.get("spa"), "redirectUris")
    }
    inputs["publicClient"] = {
        "redirectUris": _list(application.get("publicClient"), "redirectUris")
    }
    inputs["identifierUris"] = _list(application, "identifierUris")
    inputs["fallbackPublicClientEnabled"] = application.get("isFallbackPublicClient") is True
    return inputs


def _ids(collection: str, entity: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The provider id and the computed ids an existing object has in a stack's state: the pack
    links resources by the ids they carry (``entra_guard.helpers.stack_links``)."""
    outputs = {"objectId": entity.get("id")}
    if entity.get("appId"):
        outputs["clientId"] = entity["appId"]
    return f"/{collection}/{entity.get('id')}", outputs


def _resource(
    stack: str,
    type_token: str,
    name: str,
    inputs: dict[str, Any],
    links: Mapping[str, DeclaredResource] | None = None,
    state: tuple[str, dict[str, Any]] = ("", {}),
) -> DeclaredResource:
    """One object as the resource that would declare it, adopted into the component (its
    child, as the program declares it), with the ids it has once it exists."""
    component = f"urn:pulumi:{stack}::{PROJECT}::{COMPONENT}::{PREFIX}"
    return DeclaredResource(
        type=type_token,
        name=name,
        urn=f"urn:pulumi:{stack}::{PROJECT}::{COMPONENT}${type_token}::{name}",
        id=state[0],
        parent=component,
        custom=True,
        inputs=inputs,
        secret_inputs=frozenset(),
        outputs=state[1],
        protect=False,
        ignore_changes=(),
        dependencies=tuple(sorted({r.urn for r in (links or {}).values()})),
        property_dependencies={key: (r.urn,) for key, r in (links or {}).items()},
    )


def _owner_ids(entity: Mapping[str, Any]) -> list[str]:
    return [str(owner.get("id")) for owner in entity.get("owners") or []]


def _list(entity: object, key: str) -> list[Any]:
    value = entity.get(key) if isinstance(entity, dict) else None
    return list(value) if isinstance(value, list) else []


def _flag(entity: object, key: str) -> bool:
    return isinstance(entity, dict) and entity.get(key) is True


def _rfc3339(value: object) -> str | None:
    """Graph's ``2026-03-12T10:02:11.384Z`` in the provider's form, ``2026-03-12T10:02:11Z``."""
    if not isinstance(value, str):
        return None
    if "." not in value:
        return value
    head, _, tail = value.partition(".")
    return head + (tail.lstrip("0123456789") or "Z")
