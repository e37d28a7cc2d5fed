"""``python -m offline_preview``: what a stack would grant, and the policy pack's verdict, offline.

Flags are named like the Pulumi CLI's; ``adopt DIR`` audits a hand-made registration
(``offline_preview.adopt``, exit 0 with the report or 2). Exit codes, which the pipelines rely on:

- 0 (``EXIT_OK``): the pack ran and no mandatory policy is violated;
- 1 (``EXIT_POLICY_VIOLATION``): a mandatory policy is violated (a verdict, never anything else);
- 2 (``EXIT_INVALID``): invalid config or usage, one line on stderr, never a traceback;
- 3 (``EXIT_CRASH``): the program, the policy pack or this tool failed, so there is no verdict:
  the first stderr line says what failed (``error: the offline preview failed: ...``), the
  traceback follows, stdout stays empty.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from components.settings import SETTINGS_BY_KEY
from offline_preview.diff import compare
from offline_preview.engine import (
    PROJECT,
    REPOSITORY,
    StackConfig,
    read_stack_config_file,
    run_program,
)
from offline_preview.plan import PLAN_SCHEMA, Plan, build_plan
from offline_preview.render import FORMATS, render
from offline_preview.stacks import StackFileError, policy_pack_config

if TYPE_CHECKING:
    from offline_preview.policy_client import PolicyPackClient

EXIT_OK: Final = 0
EXIT_POLICY_VIOLATION: Final = 1
EXIT_INVALID: Final = 2
EXIT_CRASH: Final = 3
"""Not 1: a crash must never read as "policy violated", nor as a pass."""


class UsageError(Exception):
    """Bad flags or files: one line, exit code 2."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m offline_preview",
        description="Run this repository's Pulumi program and policy pack offline and show "
        "exactly what a stack would grant.",
    )
    stacks = p.add_mutually_exclusive_group()
    # No argparse default: `--stack dev --all-stacks` must be refused like any other stack.
    stacks.add_argument("--stack", help="reads Pulumi.STACK.yaml (default: dev)")
    stacks.add_argument(
        "--all-stacks",
        action="store_true",
        help="preview every Pulumi.<stack>.yaml in one process: a fleet table, then each stack",
    )
    p.add_argument(
        "--config",
        "-c",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value (repeatable); KEY without a namespace is this project's",
    )
    p.add_argument("--policy-pack", default="policies", help="policy pack directory")
    p.add_argument(
        "--policy-pack-config",
        help="JSON file, the format of pulumi --policy-pack-config, for every stack (default: "
        "the pack's stacks/<stack>.json, else its config.example.json)",
    )
    p.add_argument("--no-policy", action="store_true", help="do not run the policy pack")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument(
        "--compare-to",
        metavar="FILE",
        help="a JSON plan written earlier (--format json); list what is added, removed, changed",
    )
    return p


def stack_config(stack_file: Path, overrides: Sequence[str]) -> StackConfig:
    """The stack file's config with ``--config`` overrides, as the CLI would hand it over."""
    config = read_stack_config_file(stack_file)
    values = dict(config.values)
    secret_keys = set(config.secret_keys)
    for override in overrides:
        key, separator, value = override.partition("=")
        if not separator or not key:
            raise UsageError(f"--config {override!r}: expected KEY=VALUE")
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        values[full_key] = value
        secret_keys.discard(full_key)
    for full_key in sorted(secret_keys):
        _refuse_undecryptable(full_key, values[full_key])
    return StackConfig(values, frozenset(secret_keys))


def _refuse_undecryptable(full_key: str, value: str) -> None:
    """A placeholder stands in for secure text; a secure number, flag or list cannot be guessed."""
    namespace, _, key = full_key.partition(":")
    setting = SETTINGS_BY_KEY.get(key) if namespace == PROJECT else None
    # A secure plain setting falls through: the program itself refuses those, with its reason.
    if setting is not None and not setting.plain and not setting.check(value):
        raise UsageError(
            f"{full_key} is a secure value, which the offline preview cannot decrypt; "
            f"pass --config {key}=<value>"
        )


def _read_json(flag: str, path: str) -> object:
    try:
        return json.loads(Path(path).read_text())
    except OSError as error:
        raise UsageError(f"{flag} {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{flag} {path}: not JSON ({error.msg}, line {error.lineno})") from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["adopt"]:
        from offline_preview.adopt import main as adopt

        return adopt(argv[1:])
    args = parser().parse_args(argv)
    args.stack = args.stack or "dev"
    try:
        if args.all_stacks:
            from offline_preview.fleet import preview_fleet

            return preview_fleet(args)
        return _preview(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:  # any other failure is a crash, never a verdict
        headline = f"{type(error).__name__}: {error}".splitlines()[0]
        print(f"error: the offline preview failed: {headline}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return EXIT_CRASH


def read_policy_config(args: argparse.Namespace, stack: str) -> dict[str, object]:
    """The pack config for ``stack``: ``--policy-pack-config`` if given (every stack), else the
    pack's ``stacks/<stack>.json``, else its ``config.example.json`` (offline_preview/stacks.py)."""
    flag = "--policy-pack-config"
    path: Path | None = Path(args.policy_pack_config) if args.policy_pack_config else None
    if path is None and not args.no_policy:
        try:
            path = policy_pack_config(pack_directory(args), stack)
        except StackFileError as error:
            raise UsageError(str(error)) from None
        flag = f"the policy pack config of stack {stack}"
    if path is None:
        return {}
    policy_config = _read_json(flag, str(path))
    if not isinstance(policy_config, dict):
        raise UsageError(f"{flag} {path}: expected a JSON object of policy names")
    return policy_config


def pack_directory(args: argparse.Namespace) -> Path:
    """``--policy-pack``, relative to the repository unless absolute."""
    directory = Path(args.policy_pack)
    return directory if directory.is_absolute() else REPOSITORY / directory


def start_policy_pack(args: argparse.Namespace) -> PolicyPackClient | None:
    """The ``--policy-pack`` process, started (not yet listening); ``None`` with --no-policy."""
    if args.no_policy:
        return None
    # Imported here: --no-policy should not pay for gRPC. The pack boots on the other core
    # while this process runs the program.
    from offline_preview.policy_client import PolicyPackClient

    directory = pack_directory(args)
    if not (directory / "PulumiPolicy.yaml").is_file():
        raise UsageError(f"--policy-pack {args.policy_pack}: no PulumiPolicy.yaml there")
    return PolicyPackClient(directory).start()


def _preview(args: argparse.Namespace) -> int:
    stack_file = REPOSITORY / f"Pulumi.{args.stack}.yaml"
    if not stack_file.is_file():
        raise UsageError(f"--stack {args.stack}: no {stack_file.name} in {REPOSITORY}")
    config = stack_config(stack_file, args.config)
    policy_config = read_policy_config(args, args.stack)
    previous: Plan | None = None
    if args.compare_to:
        loaded = _read_json("--compare-to", args.compare_to)
        if not isinstance(loaded, dict) or loaded.get("schema") != PLAN_SCHEMA:
            raise UsageError(f"--compare-to {args.compare_to}: not a {PLAN_SCHEMA} JSON plan")
        previous = loaded  # type: ignore[assignment]  # checked by its schema tag

    pack = start_policy_pack(args)
    try:
        run = run_program(config.values, stack=args.stack, secret_keys=config.secret_keys)
        if run.error is not None:
            raise UsageError(run.error)
        verdict = None
        if pack is not None:
            from offline_preview.verdict import judge

            try:
                verdict = judge(pack, run.resources, policy_config, args.stack, PROJECT)
            except ValueError as error:
                raise UsageError(f"--policy-pack-config: {error}") from None
    finally:
        if pack is not None:
            pack.stop()
    plan = build_plan(args.stack, config, run, verdict)
    diff = compare(previous, plan) if previous is not None else None
    sys.stdout.write(render(plan, args.format, diff))
    if (verdict is not None and verdict.mandatory) or plan["unseenByThePack"]:
        return EXIT_POLICY_VIOLATION
    return EXIT_OK
