"""What an attack (``attacks.py``) and an end-to-end mutation (``mutations.py``) share: a bad
change, by id, and the mandatory finding that must stop it. One home for how a verdict is
searched for that finding, so that both suites judge "stopped" the same way."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from offline_preview.policy_client import PolicyDiagnostic
from offline_preview.verdict import PolicyVerdict
from tests.policies.program_harness import show


@dataclass(frozen=True)
class BadChange:
    """A bad change, and the policy whose mandatory finding must stop it."""

    id: str
    policy: str
    needles: tuple[str, ...]
    """Text the finding must contain (in both modes): the offending thing by name (and id)."""

    def is_said_in(self, text: str) -> bool:
        """Whether ``text`` (a finding's detail, the offline preview's message) has every
        needle."""
        return all(needle in text for needle in self.needles)

    def stopped_in(
        self, verdict: PolicyVerdict, offenders: Collection[str]
    ) -> list[PolicyDiagnostic]:
        """The mandatory findings of ``policy`` on one of ``offenders`` (URNs, or resource names:
        a URN's last part); asserts there is one and that one of them says every needle."""
        found = [
            d
            for d in verdict.mandatory
            if d.policy_name == self.policy
            and (d.urn in offenders or d.urn.rsplit("::", 1)[-1] in offenders)
        ]
        assert found, f"no mandatory {self.policy} on {offenders}:\n{show(verdict.diagnostics)}"
        assert any(self.is_said_in(d.detail) for d in found), show(tuple(found))
        return found
