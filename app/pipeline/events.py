"""Timeline events (`task_events` rows, roadmap addendum 5.1). `ref` is a safe summary: ids,
numbers, URLs, SHAs, statuses, from/to and the reason — never a body, notes or a secret (the
one exception is a user's own note, which is the content of that timeline entry)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Source(StrEnum):
    ASANA = "asana"
    GITHUB = "github"
    SYSTEM = "system"
    USER = "user"
    API = "api"


class EventType(StrEnum):
    ASANA_WEBHOOK_RECEIVED = "asana.webhook_received"
    GITHUB_WEBHOOK_RECEIVED = "github.webhook_received"
    TASK_CREATED_OR_SEEN = "task.created_or_seen"
    TASK_STATUS_CHANGED = "task.status_changed"  # ref: from, to, reason
    TASK_REPO_MISSING = "task.repo_missing"
    TASK_REPO_RESOLVED = "task.repo_resolved"
    TASKSPEC_VERSIONED = "taskspec.versioned"
    GITHUB_ISSUE_CREATED = "github.issue_created"
    GITHUB_ISSUE_CLOSED = "github.issue_closed"
    GITHUB_ISSUE_REOPENED = "github.issue_reopened"
    GITHUB_PR_LINKED = "github.pr_linked"
    GITHUB_PR_MERGED = "github.pr_merged"
    GITHUB_PR_UNLINKED = "github.pr_unlinked"
    CI_UPDATED = "ci.updated"
    ASANA_COMPLETED_SET = "asana.completed_set"
    ASANA_REOPENED_SET = "asana.reopened_set"
    MANUAL_ACTION = "manual.action"
    EFFECT_PLANNED = "effect.planned"
    COMMENT_POSTED = "comment.posted"
    STORY_POSTED = "story.posted"
    LABEL_SET = "label.set"
    LABEL_REMOVED = "label.removed"
    ERROR = "error"


@dataclass(frozen=True)
class TimelineEvent:
    source: Source
    event_type: EventType
    ref: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.value,
            "event_type": self.event_type.value,
            "ref": self.ref,
            "at": self.at.isoformat() if self.at else None,
        }
