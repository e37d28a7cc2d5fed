"""Read the stack's config namespace into ``AppRegistrationArgs``, refusing anything doubtful.

A typo such as ``secretLifeTimeDays`` would otherwise be ignored and the default (which might
be a longer-lived secret or a different manifest) silently deployed, so unknown keys are refused
with the closest known key named.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Final, cast

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env, is_config_secret

from components.adoption import adoption_from_args
from components.app_registration import AppRegistrationArgs
from components.settings import SETTINGS, SETTINGS_BY_KEY, InvalidSettingError, decode_setting

NAMESPACE: Final = "privilege-secure-entra"
"""The project name, and so the config namespace: ``pulumi config set <key> <value>``."""

SECRET_PLACEHOLDER: Final = "[secret]"


def args_from_config(
    raw: Mapping[str, str], secret_keys: frozenset[str] = frozenset()
) -> AppRegistrationArgs:
    """Decode this namespace's raw config strings (keys without the namespace prefix).

    ``secret_keys`` are keys set with ``--secret``: their values never appear in an error.
    """
    where = f"{NAMESPACE}:"
    for key in raw:
        if key not in SETTINGS_BY_KEY:
            raise InvalidSettingError(_unknown_key_message(key))
    args: dict[str, object] = {}
    for setting in SETTINGS:
        if setting.key in raw:
            secret = setting.key in secret_keys
            value = raw[setting.key]
            shown = SECRET_PLACEHOLDER if secret else repr(value)
            decoded = decode_setting(setting, value, shown, where)
            if secret and setting.plain:
                raise InvalidSettingError(
                    f"{where}{setting.key}: set as a secret, but it decides which resources "
                    "exist and cannot stay secret; set it without --secret"
                )
            # A secret stays a secret in the resources it reaches, the state and any diff.
            args[setting.arg] = pulumi.Output.secret(decoded) if secret else decoded
        elif setting.default is not None:
            args[setting.arg] = setting.default
    # `adopt` names permissions and roles: checked against the manifest the other keys chose.
    adoption_from_args(args, where)
    # Every value was decoded and checked against its setting just above.
    return cast(AppRegistrationArgs, args)


def read_stack_config() -> AppRegistrationArgs:
    """This stack's config as component args; a bad value stops the program with one line."""
    prefix = f"{NAMESPACE}:"
    keys = set(CONFIG.get()) | set(get_config_env())
    raw: dict[str, str] = {}
    secret_keys: set[str] = set()
    for full_key in sorted(keys):
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        value = pulumi.runtime.get_config(full_key)
        raw[key] = value if isinstance(value, str) else str(value)
        if is_config_secret(full_key):
            secret_keys.add(key)
    try:
        return args_from_config(raw, frozenset(secret_keys))
    except InvalidSettingError as error:
        raise pulumi.RunError(str(error)) from None


def _unknown_key_message(key: str) -> str:
    known = [setting.key for setting in SETTINGS]
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"{NAMESPACE}:{key}: unknown config key; {hint}allowed keys: {', '.join(known)}"
