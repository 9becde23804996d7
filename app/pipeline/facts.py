"""Typed facts: what the shell tells the core. Each is a plain frozen record built from a full
re-read (Asana) or a safe summary (GitHub), or the result of an effect the shell performed.

Facts carry no secrets and, apart from a PR's title/body (needed to parse closing references)
and a user's note, no free text; nothing here is copied into timeline events except ids,
numbers, URLs, SHAs, states and reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from app.pipeline.links import ClosingRef, pull_request_references

# -- Asana ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnumChoice:
    """An enum option chosen in a custom field."""

    gid: str
    name: str = ""


def asana_time(moment: Any) -> str:
    """An Asana timestamp as one fixed-width UTC text, so two of them compare as text."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class AsanaTaskSnapshot:
    """A full read of an Asana task (GET /tasks/{gid}), never the compact webhook event: Asana
    events carry no field values and arrive unordered, so the rules judge the task as it is now.

    `fields` maps a custom field gid to the options chosen in it (one for enum, any number for
    multi_enum, none when empty). `project_gids` are the task's memberships.
    """

    gid: str
    name: str = ""
    notes: str = ""
    completed: bool = False
    permalink: str = ""
    fields: Mapping[str, tuple[EnumChoice, ...]] = field(default_factory=dict)
    project_gids: tuple[str, ...] = ()
    delivery_id: str | None = None  # the webhook delivery that caused the re-read, if any
    # Whether this snapshot comes from the project import rather than a webhook or a resync.
    imported: bool = False
    # Asana's `modified_at` of what was read (`asana_time`), "" when unknown: a read taken
    # before our own completion of the task may be judged after it (the read happens outside
    # the task's lock), and must not be taken for a person reopening it.
    modified_at: str = ""

    def choices(self, field_gid: str | None) -> tuple[EnumChoice, ...]:
        return tuple(self.fields.get(field_gid, ())) if field_gid else ()

    @classmethod
    def from_task(cls, task: Any, *, delivery_id: str | None = None, imported: bool = False):
        """From `app.integrations.asana.models.Task` (duck-typed: the core imports no client)."""
        values: dict[str, tuple[EnumChoice, ...]] = {}
        for cf in task.custom_fields:
            chosen = [cf.enum_value] if cf.enum_value else []
            chosen += list(cf.multi_enum_values)
            values[cf.gid] = tuple(EnumChoice(o.gid, o.name) for o in chosen)
        return cls(
            gid=task.gid,
            name=task.name,
            notes=task.notes,
            completed=task.completed,
            permalink=task.permalink_url,
            fields=values,
            project_gids=tuple(m.project_gid for m in task.memberships),
            delivery_id=delivery_id,
            imported=imported,
            modified_at=asana_time(getattr(task, "modified_at", None)),
        )


# -- GitHub --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueFact:
    """An `issues` event (or a re-read issue). `marker_task_id` is the task id of the hidden
    `<!-- autoflow:task:ID -->` marker in its body, when there is one."""

    action: str  # opened, closed, reopened, labeled, unlabeled, edited, ...
    repo: str
    number: int
    state: str = "open"
    state_reason: str | None = None
    labels: tuple[str, ...] = ()
    url: str = ""
    marker_task_id: int | None = None
    sender: str = ""
    delivery_id: str | None = None


@dataclass(frozen=True)
class IssueCommentFact:
    """An `issue_comment` event on the task's issue. `created_pr_number` is N when the comment
    is the OpenCode agent's "Created PR #N" (parsed by the shell; the body is not kept)."""

    action: str  # created, edited, deleted
    repo: str
    issue_number: int
    comment_id: int = 0
    author: str = ""
    url: str = ""
    created_pr_number: int | None = None
    delivery_id: str | None = None


@dataclass(frozen=True)
class PullRequestFact:
    """A `pull_request` event (or a re-read PR). `closing_refs` are parsed from the title and
    body at receipt by `app.pipeline.links`; `merge_commit_sha` is only meaningful with `merged`.
    # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    """

    action: str  # opened, edited, reopened, closed, synchronize, ...
    repo: str  # the base repository: the PR belongs to it
    number: int
    url: str = ""
    state: str = "open"
    merged: bool = False
    merge_commit_sha: str | None = None
    merged_at: datetime | None = None
    head_sha: str = ""
    head_repo: str = ""
    author: str = ""
    closing_refs: tuple[ClosingRef, ...] = ()
    delivery_id: str | None = None

    @classmethod
    def parse(cls, *, title: str, body: str, **values: Any) -> PullRequestFact:
        """Build the fact, parsing the closing references from `title` and `body` (which are
        then dropped: only the parsed references are kept)."""
        refs = pull_request_references(title, body, values["repo"])
        return cls(closing_refs=refs, **values)


@dataclass(frozen=True)
class WorkflowRunFact:
    """A `workflow_run` event (or one run listed for a sha). One per workflow; a re-run keeps
    `run_id` and raises `run_attempt`; `pull_requests` is empty for pushes and forks, so runs
    are matched to the merge commit by `head_sha`.
    # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run
    """

    repo: str
    run_id: int
    workflow_id: int
    head_sha: str
    status: str
    conclusion: str | None = None
    run_attempt: int = 1
    run_number: int = 0
    name: str = ""
    event: str = ""
    url: str = ""
    pull_requests: tuple[int, ...] = ()
    delivery_id: str | None = None


# -- people --------------------------------------------------------------------------------


class UserActionKind(StrEnum):
    RETRY = "retry"
    RESYNC = "resync"
    CHANGE_REPO = "change_repo"
    FORCE_LINK_PR = "force_link_pr"
    ADD_NOTE = "add_note"


@dataclass(frozen=True)
class UserAction:
    """A button on the task page or an `/api/v1` call. `action_id` is unique per request (the
    form's or client's idempotency token): a double submit plans nothing twice."""

    kind: UserActionKind
    action_id: str
    by: str = ""  # the user's or token's name, for the timeline
    via: str = "user"  # user | api
    repo: str | None = None  # change_repo
    pr_number: int | None = None  # force_link_pr
    text: str | None = None  # add_note


# -- effect results ------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueCreated:
    """The shell created the issue (or found it by its marker after a crash)."""

    key: str
    repo: str
    number: int
    url: str = ""


@dataclass(frozen=True)
class EffectDone:
    """An effect other than CreateIssue was performed. `ref` is the service's safe answer
    (comment id and URL, story gid, ...)."""

    key: str
    kind: str
    ref: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EffectFailed:
    """An effect failed. `permanent` when retrying cannot help (403, 404, 422): the shell
    stops retrying and the task shows the reason until someone presses Retry."""

    key: str
    kind: str
    reason: str
    permanent: bool = False


Fact = (
    AsanaTaskSnapshot
    | IssueFact
    | IssueCommentFact
    | PullRequestFact
    | WorkflowRunFact
    | UserAction
    | IssueCreated
    | EffectDone
    | EffectFailed
)
