"""The stacks of this repository: one ``Pulumi.<stack>.yaml`` each, the only list there is.

The fleet preview and both pipelines' matrices read the stack files through this module, so a
tenant is added by adding its stack file and nothing else lists it. Standard library only: the
pipelines run ``python3 -m offline_preview.stacks`` before installing anything.

A stack name becomes part of environment, service connection and concurrency group names and of
shell commands, so only letters, digits, ``-`` and ``_`` are accepted; any other stack file is
refused, never skipped (a skipped tenant would silently go undeployed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

REPOSITORY: Final = Path(__file__).resolve().parent.parent
STACK_PACK_CONFIGS: Final = "stacks"
"""``<policy pack>/stacks/<stack>.json``: one stack's policy pack config (README: Policy pack)."""
DEFAULT_PACK_CONFIG: Final = "config.example.json"
"""``<policy pack>/config.example.json``: every stack without a file of its own."""
STACK_FILE: Final = re.compile(r"Pulumi\.(?P<stack>.+)\.yaml")
STACK_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")


class StackFileError(ValueError):
    """A ``Pulumi.*.yaml`` whose stack name the pipelines cannot use safely."""


def stack_names(directory: Path = REPOSITORY) -> list[str]:
    """Every stack with a ``Pulumi.<stack>.yaml`` in ``directory``, sorted."""
    names: list[str] = []
    for path in sorted(directory.glob("Pulumi.*.yaml")):
        match = STACK_FILE.fullmatch(path.name)
        if match is None:
            continue
        name = match["stack"]
        if not STACK_NAME.fullmatch(name):
            raise StackFileError(
                f"{path.name}: stack name {name!r} not allowed; use 1 to 63 letters, digits, "
                "'-' and '_', starting with a letter or digit"
            )
        names.append(name)
    return names


def policy_pack_config(pack_directory: Path, stack: str) -> Path | None:
    """The pack config that judges ``stack``: its own file, else the pack's default, else none.

    One convention for the offline preview (``--stack`` and ``--all-stacks``) and both pipelines
    (which apply it to the gate's pack, the target branch's): a knob loosened for one tenant
    (``allowGlobalAdministrator``, a pinned principal's object ids) stays that tenant's.
    """
    if not STACK_NAME.fullmatch(stack):
        raise StackFileError(f"stack name {stack!r} not allowed")
    for candidate in (
        pack_directory / STACK_PACK_CONFIGS / f"{stack}.json",
        pack_directory / DEFAULT_PACK_CONFIG,
    ):
        if candidate.is_file():
            return candidate
    return None


def matrix(names: Sequence[str], pipeline: str) -> str:
    """The stacks as the pipeline's matrix wants them, one line of JSON.

    ``github``: a list for ``strategy.matrix.stack: ${{ fromJSON(...) }}``; ``azure``: an
    object of job names to variables for ``strategy.matrix: $[ ... ]``.
    """
    if pipeline == "github":
        return json.dumps(list(names))
    return json.dumps({name: {"STACK": name} for name in names})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m offline_preview.stacks",
        description="List this repository's stacks (its Pulumi.<stack>.yaml files).",
    )
    parser.add_argument(
        "--matrix",
        choices=("github", "azure"),
        help="print a pipeline matrix as one line of JSON instead of one name per line",
    )
    parser.add_argument(
        "--require",
        metavar="STACK",
        help="exit 2 unless STACK is one of them (a run given its stack by a parameter checks it)",
    )
    args = parser.parse_args(argv)
    try:
        names = stack_names()
    except StackFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not names:
        print(f"error: no Pulumi.<stack>.yaml in {REPOSITORY}", file=sys.stderr)
        return 2
    if args.require is not None and args.require not in names:
        print(f"error: stack {args.require!r} has no Pulumi.<stack>.yaml", file=sys.stderr)
        return 2
    print(matrix(names, args.matrix) if args.matrix else "\n".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
