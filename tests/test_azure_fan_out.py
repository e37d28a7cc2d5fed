"""`pipelines/azure_fan_out.py`: Azure DevOps queues one run of the stack pipeline per stack file,
what each trigger means, and a summary whatever happens.
"""

from __future__ import annotations

import io
import json
import urllib.error
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from pipelines import azure_fan_out

# --- pipelines/azure_fan_out.py -----------------------------------------------------------------


FLEET_RUN = {
    "SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/",
    "SYSTEM_TEAMPROJECTID": "project",
    "BUILD_SOURCEBRANCH": "refs/heads/main",
    "BUILD_SOURCEVERSION": "0123abcd",
    "BUILD_REASON": "IndividualCI",
}


@pytest.mark.parametrize(
    ("variables", "action"),
    [
        ({"BUILD_REASON": "PullRequest", "BUILD_SOURCEBRANCH": "refs/pull/7/merge"}, "preview"),
        ({"BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_ISFORK": "True"}, None),
        ({"BUILD_REASON": "IndividualCI"}, "up"),
        ({"BUILD_REASON": "Manual", "BUILD_SOURCEBRANCH": "refs/heads/feature"}, None),
        (
            {"BUILD_REASON": "Schedule", "BUILD_CRONSCHEDULE_DISPLAYNAME": "Daily drift check"},
            "drift",
        ),
        (
            {
                "BUILD_REASON": "Schedule",
                "BUILD_CRONSCHEDULE_DISPLAYNAME": "Weekly pulumi up (client secret rotation)",
            },
            "up",
        ),
    ],
)
def test_the_fan_out_runs_what_the_trigger_means(
    variables: dict[str, str], action: str | None
) -> None:
    assert azure_fan_out.action_for({**FLEET_RUN, **variables}) == action


def test_the_fan_out_queues_each_stack_at_the_same_commit_and_waits_for_all() -> None:
    calls: list[tuple[str, str, Any]] = []
    polls = {"contoso": iter(["inProgress", "completed"]), "dev": iter(["completed"])}
    ids = {"contoso": 11, "dev": 12}

    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        calls.append((method, url, body))
        if method == "POST":
            return {"id": ids[body["templateParameters"]["stack"]]}
        stack = {11: "contoso", 12: "dev"}[int(url.rsplit("/", 1)[1])]
        state = next(polls[stack])
        return {"state": state, "result": "failed" if stack == "contoso" else "succeeded"}

    sleeps: list[float] = []
    results = azure_fan_out.fan_out(
        call, FLEET_RUN, 42, ["contoso", "dev"], "up", poll_seconds=5, sleep=sleeps.append
    )
    assert results == {"contoso": "failed", "dev": "succeeded"}
    posts = [body for method, _, body in calls if method == "POST"]
    assert [post["templateParameters"]["stack"] for post in posts] == ["contoso", "dev"]
    assert all(post["templateParameters"]["action"] == "up" for post in posts)
    assert posts[0]["resources"]["repositories"]["self"] == {
        "refName": "refs/heads/main",
        "version": "0123abcd",
    }
    assert calls[0][1] == "https://dev.azure.com/contoso/project/_apis/pipelines/42/runs"
    assert sleeps == [5]
    assert "| `contoso` | failed |" in azure_fan_out.summary("up", results)


def test_the_fan_out_gives_up_waiting_and_says_so() -> None:
    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        return {"id": 1} if method == "POST" else {"state": "inProgress"}

    results = azure_fan_out.fan_out(
        call, FLEET_RUN, 42, ["dev"], "drift", 10, timeout_seconds=20, sleep=lambda _: None
    )
    assert results == {"dev": "timed out"}


def http_error(code: int, message: str) -> urllib.error.HTTPError:
    body = io.BytesIO(json.dumps({"message": message}).encode())
    return urllib.error.HTTPError("https://dev.azure.com/x", code, "Bad Request", Message(), body)


def test_a_stack_that_cannot_be_queued_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new stack whose variable group does not exist yet: HTTP 400 at queue time."""
    queued: list[str] = []
    polls: Iterator[Exception | None] = iter([http_error(503, "try later"), None])

    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        if "definitions" in url:
            return {"value": [{"name": "privilege-secure-entra-stack", "id": 42}]}
        if method == "POST":
            stack = body["templateParameters"]["stack"]
            if stack == "contoso":
                raise http_error(400, "Variable group privilege-secure-entra-contoso not found")
            queued.append(stack)
            return {"id": 12}
        error = next(polls)
        if error is not None:
            raise error  # a transient error while polling: retried at the next round
        return {"state": "completed", "result": "succeeded"}

    summary_file = tmp_path / "fan-out.md"
    code = azure_fan_out.run_fleet(
        call,
        FLEET_RUN,
        "privilege-secure-entra-stack",
        ["contoso", "dev"],
        "up",
        summary_file,
        sleep=lambda _: None,
    )
    assert code == 1
    assert queued == ["dev"]  # the stack after the failing one is still queued
    table = summary_file.read_text()
    assert (
        "| `contoso` | not queued: HTTP 400: Variable group privilege-secure-entra-contoso "
        "not found |" in table
    )
    assert "| `dev` | succeeded |" in table
    out, err = capsys.readouterr()
    assert "##vso[task.logissue type=error]up of stack contoso: not queued: HTTP 400" in out
    assert "dev:" not in out
    assert err == "error: up failed for stack(s): contoso\n"


def test_a_run_that_cannot_be_read_is_given_up_and_still_summarised(tmp_path: Path) -> None:
    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        if "definitions" in url:
            return {"value": [{"name": "privilege-secure-entra-stack", "id": 42}]}
        if method == "POST":
            return {"id": 7}
        raise urllib.error.URLError("connection reset")

    summary_file = tmp_path / "fan-out.md"
    code = azure_fan_out.run_fleet(
        call,
        FLEET_RUN,
        "privilege-secure-entra-stack",
        ["dev"],
        "drift",
        summary_file,
        sleep=lambda _: None,
    )
    assert code == 1
    assert (
        "| `dev` | unknown: run 7 not readable: URLError: <urlopen error connection reset> |"
        in (summary_file.read_text())
    )


def test_no_stack_pipeline_still_writes_the_summary(tmp_path: Path) -> None:
    def call(method: str, url: str, body: Any) -> dict[str, Any]:
        raise http_error(401, "Access denied: the build service may not read pipelines")

    summary_file = tmp_path / "fan-out.md"
    code = azure_fan_out.run_fleet(
        call, FLEET_RUN, "privilege-secure-entra-stack", ["dev"], "up", summary_file
    )
    assert code == 1
    assert "| `dev` | not queued: HTTP 401: Access denied" in summary_file.read_text()
