"""Shared test data and runners for the policy pack tests.

``program_stack()`` is what the real Pulumi program declares during a preview of the dev stack
(provider-computed ids unknown, linked by ``propertyDependencies``), run once under the mock
engine at the one clock; every builder (``application()``, ``role_assignment(...)``) starts from
that run, so there is no second, hand-built model of the stack. ``check``/``check_stack`` run
one policy in-process through the same ``unknown_checking_proxy`` the analyzer wraps properties
in, and return what it reported.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
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
from entra_vocabulary.clock import SOURCE_DATE_EPOCH
from entra_vocabulary.manifests import MANIFESTS
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    PermissionType,
    graph_permission,
)
from entra_vocabulary.unknown import UNKNOWN as UNKNOWN
from entra_vocabulary.unknown import Unknown
from mock_engine.engine import (
    DEPLOYER_OBJECT_ID,
    GRAPH_OBJECT_ID,
    REPOSITORY,
    DeclaredResource,
    read_stack_config_file,
    run_program,
)
from offline_preview.policy_client import analyzer_properties, on_the_wire
from tests.clock import NOW as CLOCK_NOW
from tests.clock import NOW_EPOCH

NOW: Final = CLOCK_NOW
"""The clock of the in-process policies: the one clock of every suite (``tests/clock.py``)."""

POLICIES: Final = {policy.name: policy for policy in build_policies(clock=lambda: NOW)}

STACK: Final = "dev"
PROJECT: Final = "privilege-secure-entra"
COMPONENT: Final = types.COMPONENT
DEPLOYER: Final = DEPLOYER_OBJECT_ID
GRAPH_SP_OBJECT_ID: Final = GRAPH_OBJECT_ID
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
) -> DeclaredResource:
    """A resource beside the program's (a child of the component, as an attack would declare
    it), whose ``links`` (property -> URN) are its property dependencies."""
    return DeclaredResource(
        type=resource_type,
        name=name,
        urn=urn(resource_type, name, stack),
        id="",
        parent=f"urn:pulumi:{stack}::{PROJECT}::{COMPONENT}::privilege-secure",
        custom=True,
        inputs=dict(properties),
        secret_inputs=frozenset(),
        outputs={},
        protect=protect,
        ignore_changes=(),
        dependencies=tuple(sorted(set((links or {}).values()))),
        property_dependencies={key: (value,) for key, value in (links or {}).items()},
    )


def with_properties(target: DeclaredResource, **changes: object) -> DeclaredResource:
    """A copy with some inputs replaced."""
    return dataclasses.replace(target, inputs={**target.inputs, **changes})


def without(target: DeclaredResource, *keys: str) -> DeclaredResource:
    """A copy with some inputs removed."""
    kept = {key: value for key, value in target.inputs.items() if key not in keys}
    return dataclasses.replace(target, inputs=kept)


@functools.cache
def _program_run() -> dict[str, DeclaredResource]:
    """The real program's dev stack (4.1 manifest), previewed at the one clock, by name: every
    builder below starts from it, so the unit tests judge what the program really declares."""
    previous = os.environ.get(SOURCE_DATE_EPOCH)
    os.environ[SOURCE_DATE_EPOCH] = str(NOW_EPOCH)
    try:
        config = read_stack_config_file(REPOSITORY / "Pulumi.dev.yaml")
        run = run_program(config.values, stack=STACK, preview=True, secret_keys=config.secret_keys)
    finally:
        if previous is None:
            del os.environ[SOURCE_DATE_EPOCH]
        else:
            os.environ[SOURCE_DATE_EPOCH] = previous
    assert run.error is None, run.error
    # in URN order: the engine registers concurrently, so its own order varies from run to run
    return {r.name: r for r in sorted(run.resources, key=lambda r: r.urn)}


def _declared(name: str, **changes: object) -> DeclaredResource:
    """The program's resource ``name``, with some properties replaced."""
    return with_properties(_program_run()[name], **changes)


def _renamed(target: DeclaredResource, name: str) -> DeclaredResource:
    """Another resource of the same kind beside the program's (its own name and URN)."""
    return dataclasses.replace(target, name=name, urn=target.urn.rsplit("::", 1)[0] + f"::{name}")


def application(**changes: object) -> DeclaredResource:
    """The program's application (the 4.1 manifest's permissions)."""
    return _declared("privilege-secure-application", **changes)


APPLICATION_URN: Final = application().urn


def service_principal(**changes: object) -> DeclaredResource:
    """The application's service principal (clientId unknown during a preview)."""
    return _declared("privilege-secure-service-principal", **changes)


SERVICE_PRINCIPAL_URN: Final = service_principal().urn


def app_role_assignment(
    permission: str, app_role_id: str | Unknown | None = None
) -> DeclaredResource:
    """Consent to one application permission: the program's, or one more beside it."""
    name = f"privilege-secure-consent-{permission}"
    declared = _program_run().get(name)
    template = declared or _renamed(
        _program_run()["privilege-secure-consent-User.ReadWrite.All"], name
    )
    return with_properties(template, appRoleId=app_role_id or APP_ROLE_IDS[permission])


def delegated_grant(**changes: object) -> DeclaredResource:
    """The tenant-wide delegated permission grant (User.Read)."""
    return _declared("privilege-secure-consent-delegated", **changes)


def application_password(name: str = "secret-a", **changes: object) -> DeclaredResource:
    """One client secret of the application: the program's ``secret-a`` or ``secret-b``, or one
    more beside them."""
    full = f"privilege-secure-client-{name}"
    declared = _program_run().get(full)
    template = declared or _renamed(_program_run()["privilege-secure-client-secret-a"], full)
    return with_properties(template, displayName=template.inputs["displayName"], **changes)


def replication_wait() -> DeclaredResource:
    """The wait for the new service principal to replicate, before any consent or role."""
    return _declared("privilege-secure-service-principal-replication")


def role_assignment(
    role_id: str | Unknown = USER_ADMINISTRATOR_ID, **changes: object
) -> DeclaredResource:
    """A directory role assignment to the service principal: the program's (User
    Administrator), or another role's beside it."""
    declared = _program_run()["privilege-secure-role-user-administrator"]
    target = (
        declared
        if role_id == USER_ADMINISTRATOR_ID
        else _renamed(
            declared,
            f"privilege-secure-role-{role_id[:8] if isinstance(role_id, str) else 'unknown'}",
        )
    )
    return with_properties(target, roleId=role_id, **changes)


def program_stack() -> list[DeclaredResource]:
    """Everything the program declares (the 4.1 manifest), as in a preview of a new stack."""
    return list(_program_run().values())


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

    @property
    def only_violation(self) -> str:
        """The one violation reported (asserted: exactly one)."""
        assert len(self.violations) == 1, self.violations
        return self.violations[0]


def _options(target: DeclaredResource) -> PolicyResourceOptions:
    """The options object the SDK builds from the request."""
    return PolicyResourceOptions(
        target.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], target.parent or None
    )


def _proxied(properties: Mapping[str, object]) -> Mapping[str, object]:
    """Plain JSON data wrapped like the analyzer wraps it."""
    plain: dict[str, object] = json.loads(json.dumps(on_the_wire(properties)))
    return unknown_checking_proxy(plain)


def check(
    policy_name: str, target: DeclaredResource, config: Mapping[str, object] | None = None
) -> Outcome:
    """Run one resource policy on one resource."""
    policy = POLICIES[policy_name]
    assert isinstance(policy, ResourceValidationPolicy)
    args = ResourceValidationArgs(
        target.type,
        _proxied(analyzer_properties(target)),
        target.urn,
        target.name,
        _options(target),
        None,
        dict(config or {}),
    )
    return _run(lambda report: policy.validate(args, report))


def check_stack(
    policy_name: str,
    resources: Sequence[DeclaredResource],
    config: Mapping[str, object] | None = None,
) -> Outcome:
    """Run one stack policy over resources linked the way the SDK links them."""
    policy = POLICIES[policy_name]
    assert isinstance(policy, StackValidationPolicy)
    built = {
        r.urn: PolicyResource(
            r.type,
            _proxied(analyzer_properties(r, state=True)),
            r.urn,
            r.name,
            _options(r),
            None,
            None,
            [],
            {},
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
