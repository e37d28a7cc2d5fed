"""Post the offline preview (preview.md) as one comment thread of the Azure Repos pull request,
edited on every run; it starts closed so it never blocks completion. The build service needs
"Contribute to pull requests". preview.md is never empty (pipelines/steps/offline-preview.sh).
Standard library only.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any, Final

MARKER: Final = "<!-- privilege-secure-entra offline preview -->"


def call(method: str, url: str, body: object = None) -> Any:  # noqa: ANN401 (JSON)
    """One Azure DevOps REST call with the build's access token."""
    request = urllib.request.Request(
        f"{url}?api-version=7.1",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {os.environ['SYSTEM_ACCESSTOKEN']}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main() -> None:
    threads = (
        f"{os.environ['SYSTEM_COLLECTIONURI']}{os.environ['SYSTEM_TEAMPROJECTID']}"
        f"/_apis/git/repositories/{os.environ['BUILD_REPOSITORY_ID']}"
        f"/pullRequests/{os.environ['SYSTEM_PULLREQUEST_PULLREQUESTID']}/threads"
    )
    body = Path("preview.md").read_text().strip()
    if not body:
        raise SystemExit("preview.md is empty: no comment posted")
    content = f"{body}\n{MARKER}"
    for thread in call("GET", threads)["value"]:
        comments = thread.get("comments") or []
        if comments and MARKER in (comments[0].get("content") or ""):
            comment = f"{threads}/{thread['id']}/comments/{comments[0]['id']}"
            call("PATCH", comment, {"content": content})
            break
    else:
        call("POST", threads, {"comments": [{"content": content}], "status": "closed"})


if __name__ == "__main__":
    main()
