"""Following references between resources in a stack validation.

A resource belongs to the application or service principal whose id it carries: a link compares
known values first (how links look during ``pulumi up`` and for unchanged resources). Only during
a preview of a new stack, when the ids (an application's ``id`` and ``clientId``, a service
principal's ``objectId``) are unknown, does the engine's record of which resources a property
was computed from (``propertyDependencies``) decide: that record follows whatever the program
combined into the value, so it never overrides a known id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pulumi_policy import PolicyResource

from entra_guard.helpers.values import UNKNOWN, Unknown, read, text
from entra_vocabulary.resource_types import APPLICATION, COMPONENT, SERVICE_PRINCIPAL

Link = PolicyResource | None | Unknown
"""The resource a property points at; ``None`` when outside the stack or unset."""


def component_applications(resources: Sequence[PolicyResource]) -> list[PolicyResource]:
    """The applications the ``privilegesecure:index:AppRegistration`` component declares: "this
    application" of every check. Every application of the stack when no component does (a
    program that does not use the component is judged by the same rules)."""
    applications = of_type(resources, APPLICATION)
    children = [a for a in applications if parent_type(a.urn) == COMPONENT]
    return children or applications


def of_type(resources: Sequence[PolicyResource], resource_type: str) -> list[PolicyResource]:
    """The stack's resources of one type, in stack order."""
    return [resource for resource in resources if resource.resource_type == resource_type]


def _normalized(value: object) -> str:
    """An id as compared: lower case, without the ``/applications/`` or ``/servicePrincipals/``
    prefix, so ``/applications/{objectId}`` and the bare object id are the same object."""
    raw = text(value).strip().lower().rstrip("/")
    for prefix in ("/applications/", "/serviceprincipals/"):
        if raw.startswith(prefix):
            return raw[len(prefix) :]
    return raw


def possible_links(
    resource: PolicyResource,
    prop: str,
    candidates: Sequence[PolicyResource],
    match_on: Sequence[str],
) -> list[PolicyResource] | Unknown:
    """Every candidate ``resource.props[prop]`` may refer to.

    By value first: a known id belongs to the candidate whose ``match_on`` property carries it
    (case-insensitively), and to nothing in the stack when none does, whatever the dependency
    records say (a decoy in ``propertyDependencies`` moves nothing). Only when the value is
    unknown (a preview of a new stack) do the dependency records decide, and only when they name
    exactly one resource, a candidate: the program links every id straight from the one resource
    that computes it. A value computed from anything else as well (a decoy, a ``Sleep``, a second
    application) could be anything at ``pulumi up``, so it is ``UNKNOWN`` (red team R2-01), as is
    a value with no dependency record. ``[]`` when the property is unset.
    """
    value = read(resource.props, prop)
    if value is None:
        return []
    if value is not UNKNOWN:
        wanted = _normalized(value)
        for candidate in candidates:
            for key in match_on:
                known = read(candidate.props, key)
                if known is not None and known is not UNKNOWN and _normalized(known) == wanted:
                    return [candidate]
        return []
    by_urn = {candidate.urn: candidate for candidate in candidates}
    sources = {dependency.urn for dependency in resource.property_dependencies.get(prop, [])}
    if len(sources) == 1 and next(iter(sources)) in by_urn:
        return [by_urn[next(iter(sources))]]
    return UNKNOWN


def linked(
    resource: PolicyResource,
    prop: str,
    candidates: Sequence[PolicyResource],
    match_on: Sequence[str],
) -> Link:
    """The one candidate ``resource.props[prop]`` refers to (see ``possible_links``): ``None``
    when it is unset or outside the stack, ``UNKNOWN`` when unknown or ambiguous."""
    found = possible_links(resource, prop, candidates, match_on)
    if found is UNKNOWN or len(found) > 1:
        return UNKNOWN
    return found[0] if found else None


_SERVICE_PRINCIPAL_IDS: Final = ("objectId", "id")
"""The properties a service principal's object id is in: what a grant's recipient names."""


@dataclass(frozen=True)
class Principals:
    """The stack's applications and service principals, which one is "this application", and
    which service principal is whose (by ``clientId``): what the stack policies follow grants
    and credentials through."""

    applications: list[PolicyResource]
    service_principals: list[PolicyResource]
    component_applications: list[PolicyResource]
    """"This application" of every check (see ``component_applications``)."""

    @classmethod
    def of(cls, resources: Sequence[PolicyResource]) -> Principals:
        """A stack's applications and service principals, in stack order, and this application."""
        return cls(
            of_type(resources, APPLICATION),
            of_type(resources, SERVICE_PRINCIPAL),
            component_applications(resources),
        )

    def applications_of(self, service_principal: PolicyResource) -> list[PolicyResource] | Unknown:
        """Every application a service principal may be of (see ``possible_links``)."""
        return possible_links(service_principal, "clientId", self.applications, ("clientId",))

    def application_of(self, service_principal: PolicyResource) -> Link:
        """The one application a service principal is of (see ``linked``)."""
        return linked(service_principal, "clientId", self.applications, ("clientId",))

    def service_principals_of(self, application: PolicyResource) -> list[PolicyResource]:
        """The service principals of one application, in stack order."""
        return [sp for sp in self.service_principals if self.application_of(sp) is application]

    def recipients(
        self,
        grant: PolicyResource,
        prop: str,
        among: Sequence[PolicyResource] | None = None,
    ) -> list[PolicyResource] | Unknown:
        """Every service principal (``among`` them; by default, of the stack) a grant's
        ``prop`` may name (see ``possible_links``)."""
        candidates = self.service_principals if among is None else among
        return possible_links(grant, prop, candidates, _SERVICE_PRINCIPAL_IDS)

    def recipient(self, grant: PolicyResource, prop: str) -> Link:
        """The one service principal of the stack a grant's ``prop`` names (see ``linked``)."""
        return linked(grant, prop, self.service_principals, _SERVICE_PRINCIPAL_IDS)


def label(resource: PolicyResource) -> str:
    """``Type 'name'`` for messages, with the short type name."""
    return f"{resource.resource_type.rsplit(':', 1)[-1]} '{resource.name}'"


def _qualified_type(urn: str) -> list[str]:
    """``[parent types..., type]`` of ``urn:pulumi:<stack>::<project>::<parents$type>::<name>``;
    empty when it is no Pulumi URN."""
    parts = urn.split("::")
    if len(parts) < 4 or not parts[0].startswith("urn:pulumi:"):
        return []
    return parts[2].split("$")


def urn_type(urn: str) -> str | None:
    """The type of the resource a URN names; ``None`` when it is no Pulumi URN."""
    chain = _qualified_type(urn)
    return chain[-1] if chain else None


def parent_type(urn: str) -> str | None:
    """The type of the resource's parent, from its URN; ``None`` for a child of the stack."""
    chain = _qualified_type(urn)
    return chain[-2] if len(chain) >= 2 else None
