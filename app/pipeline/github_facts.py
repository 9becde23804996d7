"""Facts from GitHub's JSON: a webhook payload or a REST read give the same typed fact. Pure
parsing, so the shell's webhook job and its rereads share it. Free text (titles, bodies) is
read here only to find closing references, the task marker and the agent's "Created PR #N";
the facts keep none of it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from app.pipeline.facts import IssueCommentFact, IssueFact, PullRequestFact, WorkflowRunFact
from app.pipeline.taskspec import marker_task_id

# The OpenCode agent's answer once its PR is open ("Created PR #N").
_CREATED_PR_RE = re.compile(r"\bCreated PR #(\d+)\b")


def _get(source: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(source, dict):
            return None
        source = source.get(key)
    return source


def _time(value: Any) -> datetime | None:
    # Reference: https://docs.github.com/en/rest/using-the-rest-api/timezones-and-the-rest-api
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def created_pr_number(body: str | None) -> int | None:
    found = _CREATED_PR_RE.search(body or "")
    return int(found.group(1)) if found else None


def pull_request_fact(
    record: dict[str, Any], *, action: str = "reread", delivery_id: str | None = None
) -> PullRequestFact:
    """From a `pull_request` event's `pull_request` object or GET /pulls/{n}. The PR belongs
    to its base repository; `merge_commit_sha` counts only once `merged` is true.
    # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    """
    merged = bool(record.get("merged")) or (
        record.get("merged_at") is not None and record.get("state") == "closed"
    )
    return PullRequestFact.parse(
        title=record.get("title") or "",
        body=record.get("body") or "",
        action=action,
        repo=_get(record, "base", "repo", "full_name") or "",
        number=int(record["number"]),
        url=record.get("html_url") or "",
        state=record.get("state") or "open",
        merged=merged,
        merge_commit_sha=record.get("merge_commit_sha") if merged else None,
        merged_at=_time(record.get("merged_at")) if merged else None,
        head_sha=_get(record, "head", "sha") or "",
        head_repo=_get(record, "head", "repo", "full_name") or "",
        author=_get(record, "user", "login") or "",
        delivery_id=delivery_id,
    )


def issue_fact(
    record: dict[str, Any],
    repo: str,
    *,
    action: str = "reread",
    sender: str = "",
    delivery_id: str | None = None,
) -> IssueFact:
    """From an `issues` event's `issue` object or GET /issues/{n}."""
    return IssueFact(
        action=action,
        repo=repo,
        number=int(record["number"]),
        state=record.get("state") or "open",
        state_reason=record.get("state_reason"),
        labels=tuple(
            label.get("name", "") for label in record.get("labels") or () if isinstance(label, dict)
        ),
        url=record.get("html_url") or "",
        marker_task_id=marker_task_id(record.get("body")),
        sender=sender,
        delivery_id=delivery_id,
    )


def workflow_run_fact(
    record: dict[str, Any], repo: str, *, delivery_id: str | None = None
) -> WorkflowRunFact:
    """From a `workflow_run` event's `workflow_run` object or one run of GET /actions/runs.
    # Reference: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
    """
    return WorkflowRunFact(
        repo=repo,
        run_id=int(record["id"]),
        workflow_id=int(record.get("workflow_id") or 0),
        head_sha=record.get("head_sha") or "",
        status=record.get("status") or "",
        conclusion=record.get("conclusion"),
        run_attempt=int(record.get("run_attempt") or 1),
        run_number=int(record.get("run_number") or 0),
        name=record.get("name") or "",
        event=record.get("event") or "",
        url=record.get("html_url") or "",
        pull_requests=tuple(
            int(p["number"]) for p in record.get("pull_requests") or () if "number" in p
        ),
        delivery_id=delivery_id,
    )


def from_webhook(
    event: str, payload: dict[str, Any], delivery_id: str | None = None
) -> PullRequestFact | IssueFact | IssueCommentFact | WorkflowRunFact | None:
    """The fact a GitHub delivery carries, or None for events the pipeline does not act on
    (and for comments on pull requests, which GitHub also sends as `issue_comment`)."""
    repo = _get(payload, "repository", "full_name") or ""
    action = payload.get("action") or ""
    if event == "pull_request" and isinstance(payload.get("pull_request"), dict):
        return pull_request_fact(payload["pull_request"], action=action, delivery_id=delivery_id)
    if event == "issues" and isinstance(payload.get("issue"), dict):
        sender = _get(payload, "sender", "login") or ""
        return issue_fact(
            payload["issue"], repo, action=action, sender=sender, delivery_id=delivery_id
        )
    if event == "issue_comment" and isinstance(payload.get("issue"), dict):
        if _get(payload, "issue", "pull_request"):
            return None
        return IssueCommentFact(
            action=action,
            repo=repo,
            issue_number=int(payload["issue"]["number"]),
            comment_id=int(_get(payload, "comment", "id") or 0),
            author=_get(payload, "comment", "user", "login") or "",
            url=_get(payload, "comment", "html_url") or "",
            created_pr_number=created_pr_number(_get(payload, "comment", "body")),
            delivery_id=delivery_id,
        )
    if event == "workflow_run" and isinstance(payload.get("workflow_run"), dict):
        return workflow_run_fact(payload["workflow_run"], repo, delivery_id=delivery_id)
    return None


__all__ = [
    "created_pr_number",
    "from_webhook",
    "issue_fact",
    "pull_request_fact",
    "workflow_run_fact",
]
