"""Reading resource properties that may be unknown during a preview, and collecting findings.

The analyzer wraps properties in ``unknown_checking_proxy``: touching an unknown value raises
``UnknownValueError``, which the SDK turns into one *advisory* "can't run policy" diagnostic and
which would also stop the rest of the check. The helpers here read a value or return ``UNKNOWN``
instead, so a check reports every violation it can prove from known values (at the policy's own
enforcement level) and only then raises one ``UnknownDuringPreviewError`` naming everything it could
not see. The SDK reports that as advisory; at ``pulumi up`` the inputs are known and the same
check runs in full.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pulumi_policy import proxy
from pulumi_policy.proxy import UnknownValueError

from entra_vocabulary.unknown import UNKNOWN, Unknown

_SENTINELS: Final = frozenset(
    str(getattr(proxy, name))
    for name in dir(proxy)
    if name.startswith("UNKNOWN_") and name.endswith("_VALUE")
)
"""The SDK's raw unknown sentinels, one per kind of value (``UNKNOWN_STRING_VALUE``, ...)."""


__all__ = ["UNKNOWN", "Unknown"]  # the one sentinel (entra_vocabulary.unknown), read here


def is_unknown(value: object) -> bool:
    """Whether a value is ``UNKNOWN`` or one of the engine's raw unknown sentinels."""
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS)


def read(props: object, key: str) -> object:
    """``props[key]``; ``None`` when absent or null, ``UNKNOWN`` when not known yet."""
    if is_unknown(props):
        return UNKNOWN
    if not isinstance(props, Mapping):
        return None
    try:
        value = props[key]
    except KeyError:
        return None
    except UnknownValueError:
        return UNKNOWN
    return UNKNOWN if is_unknown(value) else value


def read_path(props: object, *keys: str) -> object:
    """A nested read: ``None`` as soon as a level is absent, ``UNKNOWN`` as soon as one is."""
    value: object = props
    for key in keys:
        value = read(value, key)
        if value is None or value is UNKNOWN:
            return value
    return value


def elements(value: object) -> list[Any] | Unknown:
    """The items of a list property (``UNKNOWN`` items kept); ``[]`` for absent, a scalar
    becomes a one-item list, a wholly unknown list is ``UNKNOWN``."""
    if value is None:
        return []
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    items: list[Any] = []
    for index in range(len(value)):
        try:
            item = value[index]
        except UnknownValueError:
            item = UNKNOWN
        items.append(UNKNOWN if is_unknown(item) else item)
    return items


def blocks(value: object) -> list[Any] | Unknown:
    """A nested block (``web``, ``password``): inputs give an object, some states a list."""
    if isinstance(value, Mapping):
        return [value]
    return elements(value)


def text(value: object) -> str:
    """A value for a message: strings as they are, everything else by ``repr``."""
    return value if isinstance(value, str) else repr(value)


class UnknownDuringPreviewError(UnknownValueError):
    """Raised after the known violations: the SDK reports it as one advisory diagnostic."""

    def __init__(self, reasons: Sequence[str]) -> None:
        """Keep the SDK's attributes, with a message listing every value that was unknown."""
        super().__init__(proxy.UNKNOWN_STRING_VALUE, [])
        self.message = (
            "unknown during preview: "
            + "; ".join(reasons)
            + " (checked again when `pulumi up` knows the values)"
        )
        self.args = (self.message,)


ReportViolation = Callable[[str, str | None], None]


@dataclass
class Findings:
    """Violations proven from known values, plus what could not be checked yet."""

    violations: list[tuple[str, str | None]] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)

    def violation(self, message: str, urn: str | None = None) -> None:
        """Record a violation (``urn`` only matters to stack policies)."""
        self.violations.append((message, urn))

    def unreviewable(self, what: str) -> None:
        """A value the program always knows, unknown: a violation, not a note.

        The program writes every permission and role id from Microsoft's table, every date
        and every sign-in setting as a plain value, so during a preview they are known. One that
        is computed from another resource cannot be reviewed in the preview, and at ``pulumi
        up`` a stack policy judges only after the fact: refuse it in both modes.
        """
        self.violation(
            f"{what} is unknown during preview: the program always writes it as a plain value "
            "(ids from Microsoft's table), and a value computed from another resource cannot "
            "be reviewed; write it as a literal"
        )

    def reviewable(self, where: str, value: object, required: str) -> bool:
        """Whether a value the program always writes can be judged: an unknown one is
        ``unreviewable``, a missing one a violation ("``where`` is missing; ``required`` is
        required")."""
        if value is UNKNOWN:
            self.unreviewable(where)
            return False
        if value is None:
            self.violation(f"{where} is missing; {required} is required")
            return False
        return True

    def refuse_set(self, props: object, key: str, why: str, where: str = "") -> bool:
        """Whether ``props[key]``, a property that must stay unset, is set: then a violation
        "<where><key> is set (<value>)<why>". Set is set even when the value is unknown (shown
        as "unknown during preview"): what it would be does not matter."""
        value = read(props, key)
        if value is None:
            return False
        shown = "unknown during preview" if value is UNKNOWN else text(value)
        self.violation(f"{where}{key} is set ({shown}){why}")
        return True

    def unknown(self, what: str) -> None:
        """Record a value that decides the outcome but is unknown during the preview."""
        if what not in self.unknowns:
            self.unknowns.append(what)

    def report(self, report_violation: ReportViolation) -> None:
        """Hand violations to the SDK, then raise for the unknowns (advisory diagnostic)."""
        for message, urn in self.violations:
            report_violation(message, urn)
        if self.unknowns:
            raise UnknownDuringPreviewError(self.unknowns)
