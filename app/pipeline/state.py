"""The persisted state of one task: everything the rules need to judge the next fact, as plain
values (str, int, bool, tuples of small records) so the shell can keep it in columns or one JSON
document. `to_json()` / `from_json()` round-trip it exactly."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from app.pipeline.status import AsanaStatus, PipelineStatus

# A workflow run's conclusions that make the merge commit red (in the run's latest attempt).
# Reference: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
RED_CONCLUSIONS = frozenset({"failure", "timed_out", "cancelled", "startup_failure"})
# Conclusions that neither pass nor fail the commit: a skipped or neutral workflow did not test it.
NEUTRAL_CONCLUSIONS = frozenset({"skipped", "neutral"})
# The order of a run's statuses before it completes (anything unknown counts as the first).
_STAGES = {"requested": 1, "waiting": 2, "pending": 3, "queued": 4, "in_progress": 5}


@dataclass(frozen=True)
class CiRun:
    """The latest attempt we know of one workflow run. A re-run keeps `run_id` and raises
    `attempt`, so (workflow_id, head_sha) -> the highest (run_id, attempt) is the verdict."""

    workflow_id: int
    run_id: int
    attempt: int
    status: str  # queued, in_progress, completed, ...
    conclusion: str | None  # success, failure, ... once completed
    url: str
    head_sha: str
    name: str = ""

    @property
    def completed(self) -> bool:
        return self.status == "completed" and self.conclusion is not None

    @property
    def red(self) -> bool:
        return self.completed and self.conclusion in RED_CONCLUSIONS

    @property
    def green(self) -> bool:
        return self.completed and self.conclusion == "success"

    def newer_than(self, other: CiRun) -> bool:
        """Whether this report supersedes `other` for the same workflow and sha: a later run or
        attempt wins; within one attempt, a later stage wins (events can be reordered)."""
        return self._order() > other._order()

    def _order(self) -> tuple[int, int, int]:
        return (self.run_id, self.attempt, _STAGES.get(self.status, 0) if not self.completed else 9)


@dataclass(frozen=True)
class LinkedPr:
    """A pull request that references the task's issue with a closing keyword (or was linked by
    hand). `state` is open, closed (unmerged) or merged."""

    number: int
    url: str = ""
    state: str = "open"
    head_sha: str = ""
    merge_sha: str | None = None
    merged_at: datetime | None = None
    forced: bool = False


@dataclass(frozen=True)
class TaskState:
    """One task as the pipeline sees it. Create the first one with `TaskState.new`."""

    task_id: int
    asana_gid: str
    title: str = ""
    notes: str = ""
    permalink: str = ""
    status: PipelineStatus = PipelineStatus.RECEIVED
    # Why the status is what it is, in a few words (shown beside it; never free text from Asana).
    status_reason: str = ""
    asana_status: AsanaStatus = AsanaStatus.ACTIVE
    auto_enabled: bool = False
    # False when the task's memberships no longer include any of the project's Asana projects.
    in_project: bool = True
    seen: bool = False  # a full Asana snapshot has been judged at least once
    repo: str | None = None  # owner/name, as the project spells it
    repo_reason: str = ""  # why there is no repo (NEEDS_REPO), else ""
    repo_choice: str | None = None  # a repo chosen on the task page; wins over the Repo field
    issue_requested: bool = False  # CreateIssue was planned (TASKSPEC_CREATED until it lands)
    issue_number: int | None = None
    issue_url: str | None = None
    issue_state: str | None = None  # open / closed, as GitHub last told us
    pr_number: int | None = None  # the PR the task follows (the merged one, else the newest open)
    pr_url: str | None = None
    merge_sha: str | None = None
    linked_prs: tuple[LinkedPr, ...] = ()
    forced_prs: tuple[int, ...] = ()  # PR numbers linked by hand ("Force link PR")
    ci: tuple[CiRun, ...] = ()
    # Bumped whenever the CI verdict on the merge commit turns DEPLOYED or FAILED, so the
    # notifications of each verdict get their own idempotency keys.
    ci_round: int = 0
    # The verdict the current round is about, as "<sha>:DEPLOYED" or "<sha>:FAILED".
    ci_verdict: str = ""
    completed_by_us: bool = False
    asana_completed: bool = False
    # Asana's modified_at (facts.asana_time) of our own completion: a read older than it says
    # nothing about a person reopening the task.
    completed_by_us_at: str = ""
    paused: bool = False  # the paused label is on the issue (or planned to be)
    pause_round: int = 0
    cancel_round: int = 0
    taskspec_version: int = 0
    # Idempotency keys of every notifying effect already planned: the core never plans a key
    # twice, so duplicated or replayed facts cannot give a second issue, comment or story.
    planned: tuple[str, ...] = ()
    last_error: str = ""  # the last permanent effect failure, until Retry or a success
    last_error_key: str = ""

    @classmethod
    def new(cls, task_id: int, asana_gid: str) -> TaskState:
        """The state of a task row the shell has just created, before any fact."""
        return cls(task_id=task_id, asana_gid=asana_gid)

    def has_planned(self, key: str) -> bool:
        return key in self.planned

    def with_planned(self, *keys: str) -> TaskState:
        return replace(self, planned=tuple(sorted(set(self.planned) | set(keys))))

    def linked(self, number: int) -> LinkedPr | None:
        return next((pr for pr in self.linked_prs if pr.number == number), None)

    def ci_on(self, sha: str | None) -> tuple[CiRun, ...]:
        return tuple(run for run in self.ci if sha is not None and run.head_sha == sha)

    # -- serialisation ---------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (enums as their values, datetimes as ISO 8601)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "ci":
                value = [_record(run) for run in value]
            elif f.name == "linked_prs":
                value = [_record(pr) for pr in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value.value if isinstance(value, PipelineStatus | AsanaStatus) else value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskState:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = PipelineStatus(values.get("status", PipelineStatus.RECEIVED))
        values["asana_status"] = AsanaStatus(values.get("asana_status", AsanaStatus.ACTIVE))
        values["ci"] = tuple(CiRun(**run) for run in values.get("ci", ()))
        values["linked_prs"] = tuple(
            LinkedPr(
                **{
                    **pr,
                    "merged_at": datetime.fromisoformat(pr["merged_at"])
                    if pr.get("merged_at")
                    else None,
                }
            )
            for pr in values.get("linked_prs", ())
        )
        values["forced_prs"] = tuple(values.get("forced_prs", ()))
        values["planned"] = tuple(values.get("planned", ()))
        return cls(**values)


def _record(item: Any) -> dict[str, Any]:
    out = {}
    for f in fields(item):
        value = getattr(item, f.name)
        out[f.name] = value.isoformat() if isinstance(value, datetime) else value
    return out


__all__ = ["CiRun", "LinkedPr", "TaskState", "RED_CONCLUSIONS", "NEUTRAL_CONCLUSIONS"]
