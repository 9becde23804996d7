"""Effects: what the core asks the shell to do in the world. Each has a `kind` and a stable
`key` (its idempotency key, unique per task and per thing it is about), e.g.
`task:7:create_issue`, `task:7:comment:opencode:issue:12`, `task:7:asana_story:deployed:<sha>:r1`.

The shell stores one outbox row per key (a unique constraint), so planning the same key twice is
harmless; the core also remembers what it planned (`TaskState.planned`) and never plans a key
twice. A reread's key names what asked for it (a user action id, a comment id, a merge sha), so
asking again later is a new key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Effect:
    kind: ClassVar[str] = "effect"
    key: str

    @property
    def idempotency_key(self) -> str:
        return self.key

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class CreateIssue(Effect):
    """Create the issue. Before retrying a create that may have happened, the shell lists the
    repository's recent issues by our account and looks for `marker` in their bodies."""

    kind: ClassVar[str] = "create_issue"
    repo: str
    title: str
    body: str
    marker: str


@dataclass(frozen=True)
class CommentOnIssue(Effect):
    """Comment on the issue. `body` ends with a hidden `<!-- autoflow:effect:KEY -->` line, the
    witness the shell looks for before retrying. purpose: opencode, paused, resumed, deployed,
    ci_failed."""

    kind: ClassVar[str] = "comment_on_issue"
    repo: str
    number: int
    body: str
    purpose: str


@dataclass(frozen=True)
class AddLabel(Effect):
    kind: ClassVar[str] = "add_label"
    repo: str
    number: int
    label: str


@dataclass(frozen=True)
class RemoveLabel(Effect):
    kind: ClassVar[str] = "remove_label"
    repo: str
    number: int
    label: str


@dataclass(frozen=True)
class CloseIssue(Effect):
    """Close the issue; GitHub applies `state_reason` only together with the state change."""

    kind: ClassVar[str] = "close_issue"
    repo: str
    number: int
    state_reason: str = "not_planned"


@dataclass(frozen=True)
class ReopenIssue(Effect):
    kind: ClassVar[str] = "reopen_issue"
    repo: str
    number: int


@dataclass(frozen=True)
class CompleteAsanaTask(Effect):
    kind: ClassVar[str] = "complete_asana_task"
    asana_gid: str


@dataclass(frozen=True)
class ReopenAsanaTask(Effect):
    kind: ClassVar[str] = "reopen_asana_task"
    asana_gid: str


@dataclass(frozen=True)
class PostAsanaStory(Effect):
    """A comment (story) on the Asana task. purpose: issue_created, pr_linked, deployed,
    ci_failed, note. The text is deterministic, so the shell can find it before retrying."""

    kind: ClassVar[str] = "post_asana_story"
    asana_gid: str
    text: str
    purpose: str


@dataclass(frozen=True)
class RereadAsanaTask(Effect):
    """Read the task again and feed the snapshot back as an AsanaTaskSnapshot fact."""

    kind: ClassVar[str] = "reread_asana_task"
    asana_gid: str


@dataclass(frozen=True)
class RereadPullRequest(Effect):
    """Read the PR again and feed it back as a PullRequestFact (action "reread")."""

    kind: ClassVar[str] = "reread_pull_request"
    repo: str
    number: int


@dataclass(frozen=True)
class RereadWorkflowRuns(Effect):
    """List the workflow runs on `head_sha` and feed each back as a WorkflowRunFact: joins the
    runs that finished before we learnt the merge commit, and any whose event we missed."""

    kind: ClassVar[str] = "reread_workflow_runs"
    repo: str
    head_sha: str


EFFECT_TYPES: dict[str, type[Effect]] = {
    cls.kind: cls
    for cls in (
        CreateIssue,
        CommentOnIssue,
        AddLabel,
        RemoveLabel,
        CloseIssue,
        ReopenIssue,
        CompleteAsanaTask,
        ReopenAsanaTask,
        PostAsanaStory,
        RereadAsanaTask,
        RereadPullRequest,
        RereadWorkflowRuns,
    )
}
REREADS = frozenset({RereadAsanaTask.kind, RereadPullRequest.kind, RereadWorkflowRuns.kind})


def effect_from_json(data: dict[str, Any]) -> Effect:
    """The inverse of `Effect.to_json` (for the outbox row's payload)."""
    values = dict(data)
    cls = EFFECT_TYPES[values.pop("kind")]
    return cls(**values)


def effect_marker(key: str) -> str:
    """The hidden line a comment carries so a retry can tell it was already posted."""
    return f"<!-- autoflow:effect:{key} -->"


# -- the keys ------------------------------------------------------------------------------
# One function per key shape, so the core and the tests agree on them.


def task_prefix(task_id: int) -> str:
    return f"task:{task_id}"


def create_issue_key(task_id: int) -> str:
    # Deliberately nothing but the task: one task has at most one issue, ever.
    return f"task:{task_id}:create_issue"
