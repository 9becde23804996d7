"""Safe summaries of deliveries: ids, numbers, URLs, SHAs and states — never the raw payload,
never bodies or free text that might carry a secret. Pure functions."""

from __future__ import annotations

import hashlib
from typing import Any

from app.integrations.asana.webhooks import AsanaEvent
from app.pipeline.github_facts import created_pr_number
from app.pipeline.links import pull_request_references
from app.pipeline.taskspec import marker_task_id

# Events the pipeline acts on; any other well-signed event is acknowledged and recorded as
# ignored (GitHub sends many types, and an error answer would mark the hook as failing).
# Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads
GITHUB_EVENTS_ACTED_ON = frozenset({"issues", "issue_comment", "pull_request", "workflow_run"})


def _pick(source: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(source, dict):
            return None
        source = source.get(key)
    return source


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _closing_refs(payload: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The PR's closing references (keyword, repository, issue number), parsed from its title
    and body by the pipeline's own strict parser; the text itself is not kept."""
    repo = _pick(payload, "repository", "full_name")
    pull = payload.get("pull_request")
    if not repo or not isinstance(pull, dict):
        return None
    refs = pull_request_references(str(pull.get("title") or ""), str(pull.get("body") or ""), repo)
    return [{"keyword": r.keyword, "repo": r.repo, "number": r.number} for r in refs]


def github_summary(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What we keep of a GitHub delivery, by event type."""
    common = {
        "repo": _pick(payload, "repository", "full_name"),
        "sender": _pick(payload, "sender", "login"),
        "installation": _pick(payload, "installation", "id"),
    }
    if event in {"issues", "issue_comment"}:
        specific = {
            "issue": _pick(payload, "issue", "number"),
            "issue_url": _pick(payload, "issue", "html_url"),
            "issue_state": _pick(payload, "issue", "state"),
            "state_reason": _pick(payload, "issue", "state_reason"),
            "is_pull_request": True if _pick(payload, "issue", "pull_request") else None,
            "comment_id": _pick(payload, "comment", "id"),
            "comment_url": _pick(payload, "comment", "html_url"),
            "label": _pick(payload, "label", "name"),
            "labels": [
                label.get("name")
                for label in _pick(payload, "issue", "labels") or ()
                if isinstance(label, dict)
            ]
            or None,
            # Our hidden task marker and the agent's "Created PR #N", read by the pipeline's own
            # parsers at receipt: only the numbers are kept, never the bodies.
            "marker_task": marker_task_id(_text(_pick(payload, "issue", "body"))),
            "comment_author": _pick(payload, "comment", "user", "login"),
            "created_pr": created_pr_number(_text(_pick(payload, "comment", "body")))
            if event == "issue_comment"
            else None,
        }
    elif event == "pull_request":
        specific = {
            "pull_request": _pick(payload, "pull_request", "number"),
            "pr_url": _pick(payload, "pull_request", "html_url"),
            "pr_state": _pick(payload, "pull_request", "state"),
            "merged": _pick(payload, "pull_request", "merged"),
            "merge_commit_sha": _pick(payload, "pull_request", "merge_commit_sha"),
            "head_sha": _pick(payload, "pull_request", "head", "sha"),
            "head_ref": _pick(payload, "pull_request", "head", "ref"),
            "base_ref": _pick(payload, "pull_request", "base", "ref"),
            "merged_at": _pick(payload, "pull_request", "merged_at"),
            "author": _pick(payload, "pull_request", "user", "login"),
            "head_repo": _pick(payload, "pull_request", "head", "repo", "full_name"),
            "base_repo": _pick(payload, "pull_request", "base", "repo", "full_name"),
            "closes": _closing_refs(payload),
        }
    elif event == "workflow_run":
        specific = {
            "run_id": _pick(payload, "workflow_run", "id"),
            "run_url": _pick(payload, "workflow_run", "html_url"),
            "workflow": _pick(payload, "workflow_run", "name"),
            "head_sha": _pick(payload, "workflow_run", "head_sha"),
            "head_branch": _pick(payload, "workflow_run", "head_branch"),
            "trigger": _pick(payload, "workflow_run", "event"),
            "run_status": _pick(payload, "workflow_run", "status"),
            "conclusion": _pick(payload, "workflow_run", "conclusion"),
            "run_attempt": _pick(payload, "workflow_run", "run_attempt"),
            "run_number": _pick(payload, "workflow_run", "run_number"),
            "workflow_id": _pick(payload, "workflow_run", "workflow_id")
            or _pick(payload, "workflow", "id"),
            "pull_requests": [
                pr.get("number")
                for pr in _pick(payload, "workflow_run", "pull_requests") or ()
                if isinstance(pr, dict)
            ]
            or None,
        }
    elif event == "ping":
        specific = {
            "hook_id": payload.get("hook_id"),
            "hook_events": _pick(payload, "hook", "events"),
            "content_type": _pick(payload, "hook", "config", "content_type"),
        }
    else:
        specific = {}
    return _compact({**common, **specific})


def asana_event_key(event: AsanaEvent) -> str:
    """A stable dedupe key for an Asana event (Asana sends no delivery id): the same change
    redelivered gets the same key."""
    parts = [
        event.resource_gid,
        event.action,
        event.changed_field or "",
        event.created_at.isoformat() if event.created_at else "",
        event.user_gid or "",
        event.parent_gid or "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def asana_summary(event: AsanaEvent) -> dict[str, Any]:
    return _compact(
        {
            "resource": event.resource_gid,
            "resource_type": event.resource_type,
            "resource_subtype": event.resource_subtype,
            "parent": event.parent_gid,
            "parent_type": event.parent_type,
            "field": event.changed_field,
            "user": event.user_gid,
            "created_at": event.created_at.isoformat() if event.created_at else None,
        }
    )
