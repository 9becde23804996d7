"""A timeline event in words: who acted, what changed and why, and the links it carries.

Pure functions over `task_events` rows (their `ref` is a safe summary written by the core).
Templates escape everything these return; nothing here marks text as safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services.task_queries import EventRow

SOURCES = {
    "asana": "Asana",
    "github": "GitHub",
    "system": "Auto-Flow",
    "user": "User",
    "api": "API",
}

ACTION_WORDS = {
    "retry": "asked to retry the pipeline",
    "resync": "asked to re-sync from Asana",
    "change_repo": "chose the repository",
    "force_link_pr": "linked a pull request by hand",
    "add_note": "added a note",
    "create_task": "created the task from Auto-Flow",
}

# Keys shown as details under the sentence, in this order; the rest (idempotency keys, ids)
# stay in the data.
DETAIL_KEYS = ("reason", "repo", "previous", "keyword", "workflow", "conclusion")


@dataclass(frozen=True)
class Line:
    id: int
    at: Any
    source: str  # the label: Asana, GitHub, Auto-Flow, User, API
    who: str  # the user or token that acted, when there is one
    text: str
    details: tuple[tuple[str, str], ...]
    links: tuple[tuple[str, str], ...]  # (label, url)
    note: str | None  # a user's note: the content of the entry
    kind: str  # event type, for styling (error, manual.action, ...)


def _number(ref: dict[str, Any], key: str = "number") -> str:
    value = ref.get(key)
    return f"#{value}" if value is not None else ""


def _sentence(event_type: str, ref: dict[str, Any]) -> str:
    if event_type == "task.status_changed":
        return f"Status {ref.get('from', '?')} → {ref.get('to', '?')}"
    if event_type == "manual.action":
        action = str(ref.get("action") or "")
        words = ACTION_WORDS.get(action, action.replace("_", " ") or "acted")
        if action == "force_link_pr" and ref.get("pr_number"):
            words += f" (#{ref['pr_number']})"
        return words[:1].upper() + words[1:]
    if event_type == "task.created_or_seen":
        if ref.get("first"):
            return "Imported from Asana" if ref.get("imported") else "Task received from Asana"
        changed = ref.get("changed")
        if isinstance(changed, list) and changed:
            return "Asana task changed: " + ", ".join(str(c) for c in changed)
        return "Asana task read again, nothing changed"
    sentences = {
        "asana.webhook_received": "Asana reported a change",
        "github.webhook_received": "GitHub reported a change",
        "task.repo_missing": "No repository for this task",
        "task.repo_resolved": f"Repository set to {ref.get('repo', '?')}",
        "taskspec.versioned": f"TaskSpec version {ref.get('version', '?')} written",
        "github.issue_created": f"GitHub issue {_number(ref)} created",
        "github.issue_closed": f"GitHub issue {_number(ref)} closed",
        "github.issue_reopened": f"GitHub issue {_number(ref)} reopened",
        "github.pr_linked": f"Pull request {_number(ref)} linked",
        "github.pr_merged": f"Pull request {_number(ref)} merged",
        "github.pr_unlinked": f"Pull request {_number(ref)} no longer linked",
        "ci.updated": f"CI {ref.get('status', '')} {ref.get('conclusion') or ''}".strip(),
        "asana.completed_set": "Asana task marked complete",
        "asana.reopened_set": "Asana task reopened",
        "effect.planned": f"Planned: {str(ref.get('kind', '')).replace('_', ' ')}",
        "comment.posted": "Comment posted on GitHub",
        "story.posted": "Comment posted in Asana",
        "label.set": "Label added",
        "label.removed": "Label removed",
        "error": _error_sentence(ref),
    }
    return sentences.get(event_type, event_type.replace(".", " ").replace("_", " "))


def _error_sentence(ref: dict[str, Any]) -> str:
    if ref.get("action"):
        return f"{str(ref['action']).replace('_', ' ').capitalize()} refused"
    if ref.get("kind"):
        return f"Could not {str(ref['kind']).replace('_', ' ')}"
    return "Something went wrong"


def _links(ref: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for key, label in (("url", "Open"), ("run_url", "CI run"), ("comment_url", "Comment")):
        value = ref.get(key)
        # Only http(s) links become hrefs: a javascript: URL must never be clickable.
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            out.append((label, value))
    return tuple(out)


def describe(event: EventRow) -> Line:
    ref = event.ref if isinstance(event.ref, dict) else {}
    # The repo is already in the sentence of a repo change.
    skip = {"repo"} if event.event_type == "task.repo_resolved" else set()
    details = tuple(
        (key, str(ref[key]))
        for key in DETAIL_KEYS
        if key not in skip and ref.get(key) not in (None, "")
    )
    note = ref.get("note") if event.event_type == "manual.action" else None
    return Line(
        id=event.id,
        at=event.created_at,
        source=SOURCES.get(event.source, event.source),
        who=str(ref.get("by") or ""),
        text=_sentence(event.event_type, ref),
        details=details,
        links=_links(ref),
        note=str(note) if note else None,
        kind=event.event_type,
    )
