"""Following references between resources in a stack validation.

During a preview of a new stack the ids that link resources (an application's ``id`` and
``clientId``, a service principal's ``objectId``) are unknown, so matching values is not enough.
The engine also reports, per input property, which resources it was computed from
(``propertyDependencies``); a link follows those first and falls back to comparing known values,
which is how links look during ``pulumi up`` and for unchanged resources.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulumi_policy import PolicyResource

from policies.values import UNKNOWN, Unknown, read, text

Link = PolicyResource | None | Unknown
"""The resource a property points at; ``None`` when outside the stack or unset."""


def of_type(resources: Sequence[PolicyResource], resource_type: str) -> list[PolicyResource]:
    """The stack's resources of one type, in stack order."""
    return [resource for resource in resources if resource.resource_type == resource_type]


def linked(
    resource: PolicyResource,
    prop: str,
    candidates: Sequence[PolicyResource],
    match_on: Sequence[str],
) -> Link:
    """The candidate that ``resource.props[prop]`` refers to.

    First by ``propertyDependencies[prop]``; else by a known value equal to one of the
    candidate's ``match_on`` properties (case-insensitively, ids being GUIDs). ``UNKNOWN`` when
    the value is unknown and no dependency says where it came from.
    """
    dependencies = resource.property_dependencies.get(prop, [])
    candidate_urns = {candidate.urn for candidate in candidates}
    for dependency in dependencies:
        if dependency.urn in candidate_urns:
            return dependency
    value = read(resource.props, prop)
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return None
    wanted = text(value).lower()
    for candidate in candidates:
        for key in match_on:
            known = read(candidate.props, key)
            if known is not None and known is not UNKNOWN and text(known).lower() == wanted:
                return candidate
    return None


def label(resource: PolicyResource) -> str:
    """``Type 'name'`` for messages, with the short type name."""
    return f"{resource.resource_type.rsplit(':', 1)[-1]} '{resource.name}'"
