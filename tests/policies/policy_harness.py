"""Shared test data and runners for the policy pack tests.

``program_stack()`` is what the Pulumi program declares during a preview of a new stack
(provider-computed ids unknown, linked by ``propertyDependencies``). ``check``/``check_stack`` run
one policy in-process through the same ``unknown_checking_proxy`` the analyzer wraps properties
in, and return what it reported.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from entra_guard.guardrails import build_policies
from entra_vocabulary import resource_types as types
from entra_vocabulary.manifests import MANIFESTS
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    PermissionType,
    graph_permission,
)
from entra_vocabulary.unknown import UNKNOWN as UNKNOWN
from entra_vocabulary.unknown import Unknown
from offline_preview.policy_client import AnalyzedResource, on_the_wire
from tests.clock import NOW as CLOCK_NOW

NOW: Final = CLOCK_NOW
"""The clock of the in-process policies: the one clock of every suite (``tests/clock.py``)."""

POLICIES: Final = {policy.name: policy for policy in build_policies(clock=lambda: NOW)}

STACK: Final = "dev"
PROJECT: Final = "privilege-secure-entra"
COMPONENT: Final = "privilegesecure:index:AppRegistration"
DEPLOYER: Final = "5f0c4a8e-0000-4000-8000-00000000d3b1"
GRAPH_SP_OBJECT_ID: Final = "7a1d2c3b-0000-4000-8000-0000000006a9"
FOREIGN_PERMISSION_ID: Final = "0b0b0b0b-1c1c-4d4d-8e8e-9f9f9f9f9f9f"
"""A GUID that is no permission in ``entra_vocabulary.microsoft_ids``."""

APP_ROLE_IDS: Final = {
    name: graph_permission(name, PermissionType.APPLICATION).id
    for name in MANIFESTS["4.1"].application_permissions
}
USER_READ_ID: Final = graph_permission("User.Read", PermissionType.DELEGATED).id
USER_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS["User Administrator"]
GLOBAL_ADMINISTRATOR_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS["Global Administrator"]
PRIVILEGED_AUTH_ADMIN_ID: Final = DIRECTORY_ROLE_TEMPLATE_IDS[
    "Privileged Authentication Administrator"
]


def urn(resource_type: str, name: str, stack: str = STACK) -> str:
    """A child-of-the-component URN, as the engine builds it."""
    return f"urn:pulumi:{stack}::{PROJECT}::{COMPONENT}${resource_type}::{name}"


def resource(
    resource_type: str,
    name: str,
    properties: Mapping[str, object],
    links: Mapping[str, str] | None = None,
    stack: str = STACK,
    protect: bool = False,
) -> AnalyzedResource:
    """A resource whose ``links`` (property -> URN) are its property dependencies."""
    property_dependencies = {key: (value,) for key, value in (links or {}).items()}
    return AnalyzedResource(
        type=resource_type,
        name=name,
        urn=urn(resource_type, name, stack),
        properties=properties,
        protect=protect,
        parent=f"urn:pulumi:{stack}::{PROJECT}::{COMPONENT}::privilege-secure",
        dependencies=tuple(sorted(set((links or {}).values()))),
        property_dependencies=property_dependencies,
    )


def application(**changes: object) -> AnalyzedResource:
    """The program's application, with the 4.1 manifest's permissions."""
    properties: dict[str, object] = {
        "displayName": "Netwrix Privilege Secure",
        "signInAudience": "AzureADMyOrg",
        "owners": [DEPLOYER],
        "preventDuplicateNames": True,
        "requiredResourceAccesses": [
            {
                "resourceAppId": MICROSOFT_GRAPH_APP_ID,
                "resourceAccesses": [
                    *({"id": role_id, "type": "Role"} for role_id in APP_ROLE_IDS.values()),
                    {"id": USER_READ_ID, "type": "Scope"},
                ],
            }
        ],
    }
    properties.update(changes)
    return resource(types.APPLICATION, "privilege-secure", properties)


APPLICATION_URN: Final = application().urn


def service_principal(**changes: object) -> AnalyzedResource:
    """The application's service principal (clientId unknown during a preview)."""
    properties: dict[str, object] = {"clientId": UNKNOWN, "owners": [DEPLOYER]}
    properties.update(changes)
    return resource(
        types.SERVICE_PRINCIPAL, "privilege-secure", properties, {"clientId": APPLICATION_URN}
    )


SERVICE_PRINCIPAL_URN: Final = service_principal().urn


def app_role_assignment(
    permission: str, app_role_id: str | Unknown | None = None
) -> AnalyzedResource:
    """Consent to one application permission."""
    return resource(
        types.APP_ROLE_ASSIGNMENT,
        permission,
        {
            "appRoleId": app_role_id or APP_ROLE_IDS[permission],
            "principalObjectId": UNKNOWN,
            "resourceObjectId": GRAPH_SP_OBJECT_ID,
        },
        {"principalObjectId": SERVICE_PRINCIPAL_URN},
    )


def delegated_grant(**changes: object) -> AnalyzedResource:
    """The tenant-wide delegated permission grant (User.Read)."""
    properties: dict[str, object] = {
        "servicePrincipalObjectId": UNKNOWN,
        "resourceServicePrincipalObjectId": GRAPH_SP_OBJECT_ID,
        "claimValues": ["User.Read"],
    }
    properties.update(changes)
    return resource(
        types.DELEGATED_PERMISSION_GRANT,
        "user-read",
        properties,
        {"servicePrincipalObjectId": SERVICE_PRINCIPAL_URN},
    )


def application_password(name: str = "secret-a", **changes: object) -> AnalyzedResource:
    """One client secret of the application."""
    properties: dict[str, object] = {
        "applicationId": UNKNOWN,
        "displayName": name,
        "endDate": "2027-01-01T00:00:00Z",
        "rotateWhenChanged": {"rotation": "1"},
    }
    properties.update(changes)
    return resource(
        types.APPLICATION_PASSWORD, name, properties, {"applicationId": APPLICATION_URN}
    )


def replication_wait() -> AnalyzedResource:
    """The wait for the new service principal to replicate, before any consent or role."""
    return resource(
        types.SLEEP,
        "privilege-secure-service-principal-replication",
        {"createDuration": "180s", "triggers": {"servicePrincipalObjectId": UNKNOWN}},
        {"triggers": SERVICE_PRINCIPAL_URN},
    )


def role_assignment(
    role_id: str | Unknown = USER_ADMINISTRATOR_ID, **changes: object
) -> AnalyzedResource:
    """A directory role assignment to the service principal."""
    properties: dict[str, object] = {"roleId": role_id, "principalObjectId": UNKNOWN}
    properties.update(changes)
    return resource(
        types.DIRECTORY_ROLE_ASSIGNMENT,
        f"role-{role_id[:8] if isinstance(role_id, str) else 'unknown'}",
        properties,
        {"principalObjectId": SERVICE_PRINCIPAL_URN},
    )


def program_stack() -> list[AnalyzedResource]:
    """Everything the program declares for the 4.1 manifest, as in a preview of a new stack."""
    return [
        application(),
        service_principal(),
        replication_wait(),
        *(app_role_assignment(name) for name in APP_ROLE_IDS),
        delegated_grant(),
        application_password("secret-a"),
        application_password("secret-b", endDate="2027-03-01T00:00:00Z"),
        role_assignment(),
    ]


def with_properties(target: AnalyzedResource, **changes: object) -> AnalyzedResource:
    """A copy with some properties replaced."""
    return dataclasses.replace(target, properties={**target.properties, **changes})


def without(target: AnalyzedResource, *keys: str) -> AnalyzedResource:
    """A copy with some properties removed."""
    kept = {key: value for key, value in target.properties.items() if key not in keys}
    return dataclasses.replace(target, properties=kept)


@dataclass(frozen=True)
class Outcome:
    """What a policy reported: violation messages (with URNs) and the advisory unknowns."""

    violations: list[str]
    urns: list[str | None]
    unknown: str | None

    @property
    def passed(self) -> bool:
        """Nothing reported at all."""
        return not self.violations and self.unknown is None


def _options(target: AnalyzedResource) -> PolicyResourceOptions:
    """The options object the SDK builds from the request."""
    return PolicyResourceOptions(
        target.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], target.parent
    )


def _proxied(properties: Mapping[str, object]) -> Mapping[str, object]:
    """Plain JSON data wrapped like the analyzer wraps it."""
    plain: dict[str, object] = json.loads(json.dumps(on_the_wire(properties)))
    return unknown_checking_proxy(plain)


def check(
    policy_name: str, target: AnalyzedResource, config: Mapping[str, object] | None = None
) -> Outcome:
    """Run one resource policy on one resource."""
    policy = POLICIES[policy_name]
    assert isinstance(policy, ResourceValidationPolicy)
    args = ResourceValidationArgs(
        target.type,
        _proxied(target.properties),
        target.urn,
        target.name,
        _options(target),
        None,
        dict(config or {}),
    )
    return _run(lambda report: policy.validate(args, report))


def check_stack(
    policy_name: str,
    resources: Sequence[AnalyzedResource],
    config: Mapping[str, object] | None = None,
) -> Outcome:
    """Run one stack policy over resources linked the way the SDK links them."""
    policy = POLICIES[policy_name]
    assert isinstance(policy, StackValidationPolicy)
    built = {
        r.urn: PolicyResource(
            r.type, _proxied(r.properties), r.urn, r.name, _options(r), None, None, [], {}
        )
        for r in resources
    }
    for r in resources:
        built[r.urn].property_dependencies = {
            key: [built[u] for u in urns if u in built]
            for key, urns in r.property_dependencies.items()
        }
    args = StackValidationArgs(list(built.values()), dict(config or {}))
    return _run(lambda report: policy.validate(args, report))


def _run(validate: Callable[[ReportViolation], object]) -> Outcome:
    """Call a validate function, collecting violations and the unknown-during-preview note."""
    violations: list[str] = []
    urns: list[str | None] = []

    def report(message: str, urn: str | None = None) -> None:
        violations.append(message)
        urns.append(urn)

    try:
        validate(report)
    except UnknownValueError as error:
        return Outcome(violations, urns, error.message)
    return Outcome(violations, urns, None)
