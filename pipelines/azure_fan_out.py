"""Azure DevOps: one run of the stack pipeline per stack, each with its own credentials.

Azure DevOps resolves service connections, environments and variable groups when it compiles a
run, before any step runs, so a matrix computed at run time cannot give each stack its own
credentials (a runtime variable in ``azureSubscription`` is refused). The fleet pipeline
(``azure-pipelines.yml``) therefore reads the stack files (``offline_preview/stacks.py``, the only
list) and queues one run of the stack pipeline (``azure-pipelines-stack.yml``) per stack, at the
same commit, with the stack and the action as template parameters, from which each run compiles
its own connection, variable group and environment names. It then waits for all of them, writes
a summary table, and fails if any stack failed: one failing tenant does not stop the others, and
the pull request still sees one verdict. An HTTP error is that stack's result, never the fleet's
end: a stack that cannot be queued (a new stack whose variable group does not exist yet: HTTP
400) reads "not queued: ..." and the others are still queued; a poll that fails is retried at the
next round, and only a stack whose polls keep failing is given up. The summary is always written.

Standard library only. Reads the fleet run's predefined variables; ``SYSTEM_ACCESSTOKEN`` needs
*View builds* and *Queue builds* on the stack pipeline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offline_preview.stacks import StackFileError, stack_names  # after the path entry above

API_VERSION: Final = "7.1"
WEEKLY_UP: Final = "Weekly pulumi up (client secret rotation)"
DAILY_DRIFT: Final = "Daily drift check"
"""The schedules' display names in azure-pipelines.yml: they tell the fan-out what to run."""

POLL_FAILURES_TOLERATED: Final = 5
"""Consecutive failed polls of one run before that stack is given up (transient 5xx, timeouts)."""

Call = Callable[[str, str, Mapping[str, Any] | None], dict[str, Any]]
"""(method, url, JSON body or None) to the decoded JSON answer."""

CallError = (urllib.error.URLError, OSError, ValueError, KeyError, TypeError)
"""What one call can raise: HTTP and network errors (``HTTPError`` is a ``URLError``, itself an
``OSError``), an answer that is not JSON (``ValueError``) or lacks a field."""


def describe(error: Exception) -> str:
    """One line for the summary: the HTTP status and Azure DevOps' own message when there is one."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, urllib.error.HTTPError):
        try:
            body = json.loads(error.read() or b"{}")
        except (OSError, ValueError):
            body = {}
        message = body.get("message") if isinstance(body, dict) else None
        text = f"HTTP {error.code}" + (f": {message}" if message else f" {error.reason}")
    return " ".join(text.split())[:300]


def action_for(environment: Mapping[str, str]) -> str | None:
    """What each stack's run does, from why the fleet run runs; ``None``: nothing to fan out."""
    reason = environment.get("BUILD_REASON", "")
    if reason == "PullRequest":
        if environment.get("SYSTEM_PULLREQUEST_ISFORK", "False").lower() == "true":
            return None  # a fork reaches no service connection
        return "preview"
    if environment.get("BUILD_SOURCEBRANCH") != "refs/heads/main":
        return None  # only main is deployed or checked for drift
    if reason == "Schedule":
        schedule = environment.get("BUILD_CRONSCHEDULE_DISPLAYNAME", "")
        return {WEEKLY_UP: "up", DAILY_DRIFT: "drift"}.get(schedule)
    return "up"


def http_call(token: str) -> Call:
    def call(method: str, url: str, body: Mapping[str, Any] | None) -> dict[str, Any]:
        separator = "&" if "?" in url else "?"
        request = urllib.request.Request(
            f"{url}{separator}api-version={API_VERSION}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: dict[str, Any] = json.load(response)
            return answer

    return call


def pipeline_id(call: Call, environment: Mapping[str, str], name: str) -> int:
    """The id of the pipeline called ``name`` in this project."""
    project = f"{environment['SYSTEM_COLLECTIONURI']}{environment['SYSTEM_TEAMPROJECTID']}"
    found = call("GET", f"{project}/_apis/build/definitions?name={name}", None)
    definitions = [d for d in found.get("value") or [] if d.get("name") == name]
    if len(definitions) != 1:
        raise LookupError(f"no pipeline named {name!r} in this project (pipelines/README.md)")
    return int(definitions[0]["id"])


def fan_out(
    call: Call,
    environment: Mapping[str, str],
    pipeline: int,
    stacks: Sequence[str],
    action: str,
    poll_seconds: float = 30.0,
    timeout_seconds: float = 5 * 3600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Queue one run per stack, wait for all; each stack's result (``succeeded``...).

    Never raises for one stack's HTTP error: it becomes that stack's result.
    """
    runs_url = (
        f"{environment['SYSTEM_COLLECTIONURI']}{environment['SYSTEM_TEAMPROJECTID']}"
        f"/_apis/pipelines/{pipeline}/runs"
    )
    gate_branch = environment.get("SYSTEM_PULLREQUEST_TARGETBRANCH") or "refs/heads/main"
    runs: dict[str, int] = {}
    results: dict[str, str] = {}
    for stack in stacks:
        try:
            run = call(
                "POST",
                runs_url,
                {
                    "templateParameters": {
                        "stack": stack,
                        "action": action,
                        "gateBranch": gate_branch,
                    },
                    "resources": {
                        "repositories": {
                            "self": {
                                "refName": environment["BUILD_SOURCEBRANCH"],
                                "version": environment["BUILD_SOURCEVERSION"],
                            }
                        }
                    },
                },
            )
            runs[stack] = int(run["id"])
        except CallError as error:
            results[stack] = f"not queued: {describe(error)}"
    failures: dict[str, int] = {}
    last_error: dict[str, str] = {}
    waited = 0.0
    while len(results) < len(stacks):
        for stack, run_id in runs.items():
            if stack in results:
                continue
            try:
                run = call("GET", f"{runs_url}/{run_id}", None)
            except CallError as error:
                failures[stack] = failures.get(stack, 0) + 1
                last_error[stack] = describe(error)
                if failures[stack] >= POLL_FAILURES_TOLERATED:
                    results[stack] = f"unknown: run {run_id} not readable: {last_error[stack]}"
                continue
            failures[stack] = 0
            if run.get("state") == "completed":
                results[stack] = str(run.get("result", "unknown"))
        if len(results) < len(stacks):
            if waited >= timeout_seconds:
                for stack in runs:
                    if stack not in results:
                        last = last_error.get(stack) if failures.get(stack) else None
                        results[stack] = "timed out" + (f" (last poll: {last})" if last else "")
                break
            sleep(poll_seconds)
            waited += poll_seconds
    return {stack: results[stack] for stack in stacks}


def summary(action: str, results: Mapping[str, str]) -> str:
    lines = [f"### `{action}` of every stack", "", "| stack | result |", "|---|---|"]
    lines += [f"| `{stack}` | {result} |" for stack, result in results.items()]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", required=True, help="the stack pipeline's name")
    parser.add_argument("--summary", default="fan-out.md", help="markdown file for the summary")
    args = parser.parse_args(argv)
    environment = dict(os.environ)
    action = action_for(environment)
    if action is None:
        print("nothing to fan out for this run (a fork, or not main)")
        return 0
    try:
        stacks = stack_names()
    except StackFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    call = http_call(environment["SYSTEM_ACCESSTOKEN"])
    return run_fleet(call, environment, args.pipeline, stacks, action, Path(args.summary))


def run_fleet(
    call: Call,
    environment: Mapping[str, str],
    pipeline_name: str,
    stacks: Sequence[str],
    action: str,
    summary_file: Path,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Fan out, always write the summary; 1 naming every stack that did not succeed."""
    try:
        pipeline = pipeline_id(call, environment, pipeline_name)
    except (LookupError, *CallError) as error:
        message = str(error) if isinstance(error, LookupError) else describe(error)
        results = {stack: f"not queued: {message}" for stack in stacks}
    else:
        results = fan_out(call, environment, pipeline, stacks, action, sleep=sleep)
    summary_file.write_text(summary(action, results))
    print(f"##vso[task.uploadsummary]{summary_file.resolve()}")
    failed = [stack for stack, result in results.items() if result != "succeeded"]
    for stack in failed:
        print(f"##vso[task.logissue type=error]{action} of stack {stack}: {results[stack]}")
    if failed:
        print(f"error: {action} failed for stack(s): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
