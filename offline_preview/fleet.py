"""``python -m offline_preview --all-stacks``: every tenant's stack, one process, one table.

An operator of many tenants keeps one ``Pulumi.<stack>.yaml`` per tenant. The fleet preview runs
the program under the mocks once per stack in this process (the SDK and the component are
imported once) and sends every stack through ONE policy pack process, so an extra stack costs
about one run of the program, not a new process. It prints one fleet table (version, directory
roles, Global Administrator, secret expiry and rotation, the pack's verdict), then each stack's
changes and findings. The exit code is the worst over the fleet; a stack that fails does not
stop the others.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypedDict

from entra_vocabulary.manifests import GLOBAL_ADMINISTRATOR
from mock_engine.engine import PROJECT, REPOSITORY, ProgramRun, StackConfig, run_program
from offline_preview.cli import (
    EXIT_CRASH,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_POLICY_VIOLATION,
    UsageError,
    _read_json,
    read_policy_config,
    stack_config,
    start_policy_pack,
)
from offline_preview.diff import PlanDiff, compare
from offline_preview.plan import PLAN_SCHEMA, Plan, build_plan
from offline_preview.render import diff_lines, finding_place, grant_lines, table_cell, verdict_line
from offline_preview.stacks import StackFileError, stack_names

if TYPE_CHECKING:
    from offline_preview.policy_client import PolicyPackClient

FLEET_SCHEMA: Final = "privilege-secure-entra/offline-preview-fleet/v1"

_EMPTY_PLAN: Final[Mapping[str, object]] = {
    "grants": {"applicationPermissions": [], "delegatedPermissions": [], "directoryRoles": []},
    "resources": [],
    "outputs": {},
}
"""What a stack that is new in this change is compared with: it adds everything it grants."""


class FleetRow(TypedDict):
    """One line of the fleet table; ``None`` where the stack did not run."""

    version: str | None
    directoryRoles: list[str]
    globalAdministrator: bool | None
    secretExpiresAt: str | None
    secretRotatesAt: str | None
    verdict: str
    """``PASS``, ``FAIL``, ``not run`` (``--no-policy``), ``invalid`` or ``crashed``."""


@dataclass(frozen=True)
class StackResult:
    stack: str
    exit_code: int
    plan: Plan | None
    error: str | None = None
    diff: PlanDiff | None = None
    new_stack: bool = False
    """With ``--compare-to``: the stack is not in the earlier fleet."""
    traceback: str = ""
    """A crash's traceback, for stderr only (like ``--stack``'s exit code 3)."""

    def row(self) -> FleetRow:
        plan = self.plan
        if plan is None:
            verdict = "crashed" if self.exit_code == EXIT_CRASH else "invalid"
            return {
                "version": None,
                "directoryRoles": [],
                "globalAdministrator": None,
                "secretExpiresAt": None,
                "secretRotatesAt": None,
                "verdict": verdict,
            }
        roles = [role["name"] for role in plan["grants"]["directoryRoles"]]
        policy = plan["policy"]
        return {
            "version": _output(plan, "privilegeSecureVersion"),
            "directoryRoles": roles,
            "globalAdministrator": GLOBAL_ADMINISTRATOR in roles,
            "secretExpiresAt": _output(plan, "clientSecretExpiresAt"),
            "secretRotatesAt": _output(plan, "clientSecretRotatesAt"),
            "verdict": "not run"
            if policy is None
            else ("FAIL" if policy["mandatoryViolations"] else "PASS"),
        }


def _output(plan: Plan, name: str) -> str | None:
    output = plan["outputs"].get(name)
    return None if output is None else str(output["value"])


def preview_fleet(args: argparse.Namespace, directory: Path = REPOSITORY) -> int:
    """Preview every stack of ``directory``; print the fleet; the worst exit code.

    The program runs in this thread, stack after stack; each run goes to the pack in a second
    thread, so the pack's boot and its analysis of stack N overlap the program's run of N+1.
    """
    try:
        names = stack_names(directory)
    except StackFileError as error:
        raise UsageError(f"--all-stacks: {error}") from None
    if not names:
        raise UsageError(f"--all-stacks: no Pulumi.<stack>.yaml in {directory}")
    earlier = _earlier_fleet(args.compare_to) if args.compare_to else None
    pack = start_policy_pack(args)  # one pack process for every stack
    pending: list[Future[StackResult]] = []
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="policy-pack") as judging:
            for name in names:
                ran = _run_stack(name, directory, args.config)
                try:  # each stack's own pack config (offline_preview/stacks.py)
                    policy_config = read_policy_config(args, name)
                except UsageError as error:
                    ran = StackResult(name, EXIT_INVALID, None, str(error))
                if isinstance(ran, StackResult):
                    pending.append(_done(ran))
                else:
                    pending.append(judging.submit(_judge_stack, name, *ran, pack, policy_config))
            results = [future.result() for future in pending]
    finally:
        if pack is not None:
            pack.stop()
    for index, result in enumerate(results):
        if earlier is not None and result.plan is not None:
            before = earlier.get(result.stack)
            base = before if before is not None else _EMPTY_PLAN
            diff = compare(base, result.plan)  # type: ignore[arg-type]  # the keys compare reads
            results[index] = replace(result, diff=diff, new_stack=before is None)
        if result.error is not None:
            print(f"error: stack {result.stack}: {result.error}", file=sys.stderr)
            sys.stderr.write(result.traceback)
    removed = sorted(set(earlier) - set(names)) if earlier is not None else []
    sys.stdout.write(render_fleet(results, args.format, removed))
    return max(result.exit_code for result in results)


def _done(result: StackResult) -> Future[StackResult]:
    future: Future[StackResult] = Future()
    future.set_result(result)
    return future


def _crashed(name: str, error: Exception) -> StackResult:
    """No verdict for this stack: exit code 3, one line in the table, the traceback on stderr."""
    headline = f"{type(error).__name__}: {error}".splitlines()[0]
    return StackResult(
        name, EXIT_CRASH, None, f"crashed: {headline}", traceback=traceback.format_exc()
    )


def _run_stack(
    name: str, directory: Path, overrides: list[str]
) -> tuple[StackConfig, ProgramRun] | StackResult:
    """The program's run for one stack, as ``--stack NAME`` would do it; a failure stays its own."""
    try:
        config = stack_config(directory / f"Pulumi.{name}.yaml", overrides)
        run = run_program(config.values, stack=name, secret_keys=config.secret_keys)
    except UsageError as error:
        return StackResult(name, EXIT_INVALID, None, str(error))
    except Exception as error:  # a crash of one stack must not hide the others
        return _crashed(name, error)
    if run.error is not None:
        return StackResult(name, EXIT_INVALID, None, run.error)
    return config, run


def _judge_stack(
    name: str,
    config: StackConfig,
    run: ProgramRun,
    pack: PolicyPackClient | None,
    policy_config: dict[str, object],
) -> StackResult:
    """The pack's verdict on one stack's run, and its plan."""
    verdict = None
    try:
        if pack is not None:
            from offline_preview.verdict import judge

            try:
                verdict = judge(pack, run.resources, policy_config, name, PROJECT)
            except ValueError as error:
                # the same for every stack: the whole fleet's usage error
                raise UsageError(f"--policy-pack-config: {error}") from None
        plan = build_plan(name, config, run, verdict)
    except UsageError:
        raise
    except Exception as error:  # a crash of one stack must not hide the others
        return _crashed(name, error)
    exit_code = EXIT_POLICY_VIOLATION if verdict is not None and verdict.mandatory else EXIT_OK
    return StackResult(name, exit_code, plan)


def _earlier_fleet(path: str) -> dict[str, Plan]:
    """The plans of an earlier ``--all-stacks --format json``, by stack."""
    loaded = _read_json("--compare-to", path)
    if not isinstance(loaded, dict) or loaded.get("schema") != FLEET_SCHEMA:
        raise UsageError(f"--compare-to {path}: not a {FLEET_SCHEMA} JSON fleet")
    plans: dict[str, Plan] = {}
    for entry in loaded.get("stacks") or []:
        plan = entry.get("plan") if isinstance(entry, dict) else None
        if isinstance(plan, dict) and plan.get("schema") == PLAN_SCHEMA:
            plans[str(plan["stack"])] = plan  # type: ignore[assignment]  # checked by its tag
    return plans


# --- rendering ---------------------------------------------------------------------------------


def render_fleet(results: list[StackResult], output_format: str, removed: list[str]) -> str:
    if output_format == "json":
        return json.dumps(fleet_document(results, removed), indent=2) + "\n"
    lines = _markdown(results, removed) if output_format == "markdown" else _text(results, removed)
    return "\n".join(lines) + "\n"


def fleet_document(results: list[StackResult], removed: list[str]) -> dict[str, object]:
    """The fleet as data: ``offline_preview/fleet.schema.json``."""
    stacks: list[dict[str, object]] = []
    for result in results:
        plan: dict[str, object] | None = None
        if result.plan is not None:
            plan = dict(result.plan)
            if result.diff is not None:
                plan["comparedTo"] = result.diff
        stacks.append(
            {
                "stack": result.stack,
                "exitCode": result.exit_code,
                "error": result.error,
                "summary": result.row(),
                "newStack": result.new_stack,
                "plan": plan,
            }
        )
    return {
        "schema": FLEET_SCHEMA,
        "exitCode": max(result.exit_code for result in results),
        "stacks": stacks,
        "removedStacks": removed,
    }


_COLUMNS: Final = (
    "stack",
    "version",
    "directory roles",
    "Global Administrator",
    "secret expires",
    "next rotation",
    "policy pack",
)


def _cells(result: StackResult) -> list[str]:
    row = result.row()
    admin = row["globalAdministrator"]
    return [
        result.stack,
        row["version"] or "-",
        ", ".join(row["directoryRoles"]) or ("none" if result.plan is not None else "-"),
        "-" if admin is None else ("YES" if admin else "no"),
        row["secretExpiresAt"] or "-",
        row["secretRotatesAt"] or "-",
        row["verdict"],
    ]


def _heading(results: list[StackResult]) -> str:
    failing = sum(1 for r in results if r.exit_code != EXIT_OK)
    return f"{len(results)} stacks, {failing} failing"


def _findings(result: StackResult) -> Iterator[str]:
    """A stack's error, or its program warnings and every policy finding."""
    if result.plan is None:
        yield f"error: {result.error}"
        return
    for warning in result.plan["warnings"]:
        yield f"warning: {warning}"
    policy = result.plan["policy"]
    for v in policy["violations"] if policy is not None else []:
        yield f"[{v['level']}] {v['policy']} ({finding_place(v['urn'])}): {v['message']}"


def _text(results: list[StackResult], removed: list[str]) -> Iterator[str]:
    yield (
        f"Offline preview of the fleet: {_heading(results)} "
        "(no tenant, no credentials, no Pulumi CLI)"
    )
    yield ""
    table = [list(_COLUMNS), *(_cells(result) for result in results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(_COLUMNS))]
    for row in table:
        yield "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
    for name in removed:
        yield f"removed from the fleet: {name}"
    for result in results:
        yield ""
        yield f"== {result.stack} =="
        if result.plan is not None:
            for label, text in grant_lines(result.plan):
                yield f"  {label}: {text}"
        if result.diff is not None:
            yield (
                "  New stack; everything it grants is added:"
                if result.new_stack
                else ("  Compared to the earlier plan:")
            )
            for line in diff_lines(result.diff):
                yield f"    {line}"
        for line in _findings(result):
            yield f"  {line}"
        if result.plan is not None:
            yield f"  {verdict_line(result.plan)}"


def _markdown(results: list[StackResult], removed: list[str]) -> Iterator[str]:
    yield f"### Offline preview of the fleet: {_heading(results)}"
    yield ""
    yield "| " + " | ".join(_COLUMNS) + " |"
    yield "|" + "---|" * len(_COLUMNS)
    for result in results:
        cells = _cells(result)
        cells[0] = f"`{cells[0]}`"
        if result.exit_code != EXIT_OK:
            cells[-1] = f"**{cells[-1]}**"
        yield "| " + " | ".join(table_cell(cell) for cell in cells) + " |"
    if removed:
        yield ""
        yield "Removed from the fleet: " + ", ".join(f"`{name}`" for name in removed)
    for result in results:
        yield ""
        yield f"#### `{result.stack}`"
        yield ""
        if result.plan is not None:
            yield f"**{verdict_line(result.plan)}**"
            yield ""
            for label, text in grant_lines(result.plan):
                yield f"- {label}: {text}"
        if result.diff is not None:
            yield ""
            yield (
                "New stack, compared with nothing:"
                if result.new_stack
                else ("Compared to the base:")
            )
            yield ""
            yield "```diff"
            yield from diff_lines(result.diff)
            yield "```"
        findings = list(_findings(result))
        if findings:
            yield ""
            yield from (f"- {table_cell(line)}" for line in findings)
