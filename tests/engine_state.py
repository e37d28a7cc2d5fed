"""A model of what the Pulumi engine remembers between updates, for tests over many `pulumi up`s."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mock_engine.engine import DeclaredResource


@dataclass
class EngineState:
    """The inputs the state holds per resource name, reduced to what decides a change.

    ``ignoreChanges`` keeps the remembered value of a property instead of the declared one; a
    resource the program no longer declares is deleted. For application passwords every input
    change is a replacement.
    """

    inputs: dict[str, dict[str, object]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    """What the last update deleted."""

    def update(self, declared: Iterable[DeclaredResource]) -> set[str]:
        """Apply one `pulumi up`; return the names it created, updated or replaced."""
        changed = set()
        seen = set()
        for resource in declared:
            seen.add(resource.name)
            old = self.inputs.get(resource.name)
            effective = dict(resource.inputs)
            if old is not None:
                for prop in resource.ignore_changes:
                    if prop in old:
                        effective[prop] = old[prop]
                    else:
                        effective.pop(prop, None)
            if effective != old:
                changed.add(resource.name)
            self.inputs[resource.name] = effective
        self.deleted = set(self.inputs) - seen
        for name in self.deleted:
            del self.inputs[name]
        return changed
