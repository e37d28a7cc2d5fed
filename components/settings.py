"""The knobs of the app registration: their names, defaults, and what each one allows.

One table serves both ways in: ``components.config`` decodes stack config strings with it, and
``AppRegistration`` re-checks the plain values it is handed (a program in another language can
construct the component directly). Every refusal is one line naming the key, the value received
and what is allowed, raised before any resource is declared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pulumi import Output

from entra_vocabulary.limits import MAX_SECRET_LIFETIME_DAYS
from entra_vocabulary.manifests import DEFAULT_VERSION, MANIFESTS

OBJECT_ID_PATTERN: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
UTC_MOMENT_PATTERN: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
MAX_DISPLAY_NAME_LENGTH: Final = 120
MAX_NOTES_LENGTH: Final = 1024
"""Entra's limit on an application's ``notes``."""


class InvalidSettingError(ValueError):
    """A setting that would declare the wrong thing; ``str()`` is the one-line message."""


class _UndecodableError(ValueError):
    """A config string that is not even of the right type."""


@dataclass(frozen=True)
class Setting:
    """One knob: its config key, its component arg, its default and its rule."""

    key: str
    """The stack config key (``privilege-secure-entra:<key>``), camelCase like every Pulumi key."""
    allowed: str
    """What is allowed, in the words of the error message."""
    decode: Callable[[str], object]
    """Stack config arrives as strings; this turns one into the arg's Python type."""
    check: Callable[[object], bool]
    default: object = None
    """``None``: the component decides (owners default to the deploying principal)."""
    plain: bool = True
    """Decides which resources exist, so it must be a plain value (never an output or secret)."""

    @property
    def arg(self) -> str:
        """The matching ``AppRegistrationArgs`` key: ``key`` in snake_case, as Pulumi's Python
        SDKs name a camelCase property, derived so that the two cannot drift apart."""
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.key).lower()

    def refuse(self, name: str, shown_value: str, where: str) -> InvalidSettingError:
        """The one-line error for a value this setting does not allow, under ``name``."""
        return InvalidSettingError(f"{where}{name}: got {shown_value}; allowed: {self.allowed}")


def _decode_text(raw: str) -> object:
    return raw


def _decode_bool(raw: str) -> object:
    if raw in ("true", "false"):
        return raw == "true"
    raise _UndecodableError(raw)


def _decode_int(raw: str) -> object:
    if re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
        return int(raw)
    raise _UndecodableError(raw)


def _decode_json(raw: str) -> object:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise _UndecodableError(raw) from None


def _is_int_between(low: int, high: int | None) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and low <= value
            and (high is None or value <= high)
        )

    return check


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _is_display_name(value: object) -> bool:
    return (
        isinstance(value, str) and 0 < len(value) <= MAX_DISPLAY_NAME_LENGTH and not value.isspace()
    )


def _is_notes(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_NOTES_LENGTH


def _is_json_object(value: object) -> bool:
    """Only the shape: ``components.adoption`` checks the contents against the manifest."""
    return isinstance(value, dict)


def _is_utc_moment(value: object) -> bool:
    """``2026-09-21T00:00:00Z``: the form the program shows every secret's end date in."""
    if not isinstance(value, str) or not UTC_MOMENT_PATTERN.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def _is_owner_list(value: object) -> bool:
    if not isinstance(value, list) or not value:
        return False
    if not all(isinstance(owner, str) and OBJECT_ID_PATTERN.fullmatch(owner) for owner in value):
        return False
    return len({str(owner).lower() for owner in value}) == len(value)


def _switch(key: str) -> Setting:
    """A true/false knob, off unless the stack turns it on."""
    return Setting(key, "true or false", _decode_bool, _is_bool, default=False)


SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        key="displayName",
        allowed=f"a name of 1 to {MAX_DISPLAY_NAME_LENGTH} characters, not only spaces",
        decode=_decode_text,
        check=_is_display_name,
        default="Netwrix Privilege Secure",
        plain=False,
    ),
    Setting(
        key="privilegeSecureVersion",
        allowed="one of " + ", ".join(repr(version) for version in MANIFESTS),
        decode=_decode_text,
        check=lambda value: value in MANIFESTS,
        default=DEFAULT_VERSION,
    ),
    _switch("manageGlobalAdministrators"),
    Setting(
        key="secretLifetimeDays",
        allowed=f"a whole number of days from 1 to {MAX_SECRET_LIFETIME_DAYS} (the policy pack's "
        "client-secret-expiry maxLifetimeDays)",
        decode=_decode_int,
        check=_is_int_between(1, MAX_SECRET_LIFETIME_DAYS),
        default=180,
    ),
    Setting(
        key="secretVersion",
        allowed="a whole number of 1 or more (raise it to replace the newest secret)",
        decode=_decode_int,
        check=_is_int_between(1, None),
        default=1,
    ),
    Setting(
        key="revokePreviousSecret",
        allowed="the end date of the previous client secret, as RFC 3339 UTC "
        "(e.g. 2026-12-20T00:00:00Z: the clientSecretRotatesAt output)",
        decode=_decode_text,
        check=_is_utc_moment,
    ),
    Setting(
        key="owners",
        allowed="a non-empty list of distinct object ids (GUIDs), e.g. "
        '["00000000-0000-0000-0000-000000000000"]',
        decode=_decode_json,
        check=_is_owner_list,
        plain=False,
    ),
    _switch("hybridTenant"),
    _switch("protect"),
    Setting(
        key="notes",
        allowed=f"text of at most {MAX_NOTES_LENGTH} characters",
        decode=_decode_text,
        check=_is_notes,
        plain=False,
    ),
    Setting(
        key="adopt",
        allowed="a JSON object with applicationObjectId, servicePrincipalObjectId and optionally "
        "appRoleAssignmentIds, delegatedPermissionGrantId, directoryRoleAssignmentIds "
        "(README: Adopting an existing registration)",
        decode=_decode_json,
        check=_is_json_object,
    ),
)
"""Every knob, in the order the README documents them."""

SETTINGS_BY_KEY: Final = {setting.key: setting for setting in SETTINGS}
SETTINGS_BY_ARG: Final = {setting.arg: setting for setting in SETTINGS}


def decode_setting(setting: Setting, raw: str, shown_value: str, where: str) -> object:
    """Decode and check one config string; ``shown_value`` is what the error may echo."""
    try:
        value = setting.decode(raw)
    except _UndecodableError:
        raise setting.refuse(setting.key, shown_value, where) from None
    if not setting.check(value):
        raise setting.refuse(setting.key, shown_value, where)
    return value


def check_plain_args(args: Mapping[str, object], where: str) -> None:
    """Refuse a plain (already known) arg value that its setting does not allow.

    Values still unknown (``pulumi.Output``) pass: they are data, never structure.
    """
    for arg, value in args.items():
        setting = SETTINGS_BY_ARG.get(arg)
        if setting is None:
            raise InvalidSettingError(
                f"{where}{arg}: unknown argument; allowed: {', '.join(SETTINGS_BY_ARG)}"
            )
        if _is_unknown(value):
            continue
        if not setting.check(value):
            raise setting.refuse(arg, repr(value), where)


def _is_unknown(value: object) -> bool:
    """Absent, or an ``Output`` (or a list holding one) whose value only the engine knows."""
    if value is None or isinstance(value, Output):
        return True
    return isinstance(value, list) and any(isinstance(item, Output) for item in value)
