"""GitHub webhook payloads in the shapes GitHub sends (the fields we read, plus the envelope
every event carries), for each event type a repo hook of ours may receive.
Shapes follow https://docs.github.com/en/webhooks/webhook-events-and-payloads."""

from __future__ import annotations

import json
import uuid
from typing import Any

from app.integrations.github.webhooks import sign

REPO = {
    "id": 1296269,
    "name": "demo",
    "full_name": "acme/demo",
    "private": True,
    "html_url": "https://github.com/acme/demo",
    "default_branch": "main",
    "owner": {"login": "acme", "id": 1, "type": "Organization"},
}
SENDER = {"login": "octocat", "id": 583231, "type": "User"}
SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"
MERGE_SHA = "9f2c1d4e5b6a7988c0d1e2f3a4b5c6d7e8f90123"


def _envelope(action: str | None, **rest: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"repository": REPO, "sender": SENDER, **rest}
    if action is not None:
        payload["action"] = action
    return payload


def issue(number: int = 7) -> dict[str, Any]:
    return {
        "number": number,
        "title": "Add export",
        "state": "open",
        "state_reason": None,
        "html_url": f"https://github.com/acme/demo/issues/{number}",
        "body": "secret-looking body text ghp_not_a_real_token",
        "labels": [],
        "user": SENDER,
    }


PAYLOADS: dict[str, dict[str, Any]] = {
    "ping": {
        "zen": "Keep it logically awesome.",
        "hook_id": 42,
        "hook": {
            "id": 42,
            "type": "Repository",
            "active": True,
            "events": ["issues", "issue_comment", "pull_request", "workflow_run"],
            "config": {
                "content_type": "json",
                "url": "https://x/webhooks/github/1",
                "insecure_ssl": "0",
            },
        },
        "repository": REPO,
        "sender": SENDER,
    },
    "issues": _envelope(
        "closed", issue=issue() | {"state": "closed", "state_reason": "not_planned"}
    ),
    "issue_comment": _envelope(
        "created",
        issue=issue(),
        comment={
            "id": 99,
            "body": "/opencode implement",
            "html_url": "https://github.com/acme/demo/issues/7#c99",
            "user": SENDER,
        },
    ),
    "pull_request": _envelope(
        "closed",
        number=8,
        pull_request={
            "number": 8,
            "state": "closed",
            "merged": True,
            "merge_commit_sha": MERGE_SHA,
            "html_url": "https://github.com/acme/demo/pull/8",
            "body": "Closes #7",
            "head": {"ref": "opencode/issue7-1732400000", "sha": SHA},
            "base": {"ref": "main", "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"},
        },
    ),
    "workflow_run": _envelope(
        "completed",
        workflow={"id": 2823525, "name": "CI"},
        workflow_run={
            "id": 289782451,
            "name": "CI",
            "head_sha": MERGE_SHA,
            "head_branch": "main",
            "event": "push",
            "status": "completed",
            "conclusion": "success",
            "run_attempt": 2,
            "html_url": "https://github.com/acme/demo/actions/runs/289782451",
            "pull_requests": [],
        },
    ),
    "push": _envelope(None, ref="refs/heads/main", before=SHA, after=MERGE_SHA, commits=[]),
    "check_suite": _envelope(
        "completed", check_suite={"id": 1, "head_sha": SHA, "conclusion": "success"}
    ),
    "star": _envelope("created", starred_at="2026-11-24T05:00:00Z"),
}


def signed(
    event: str,
    payload: dict[str, Any],
    secret: str,
    *,
    delivery: str | None = None,
    hook_id: str = "42",
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": hook_id,
        "X-Hub-Signature-256": sign(body, secret),
        "User-Agent": "GitHub-Hookshot/abc123",
    }
    return body, headers
