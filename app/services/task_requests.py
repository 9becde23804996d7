"""The task page's buttons and the dashboard's "New task", as the web sees them: checking the
input, saying plainly why an action makes no sense for a task, and queueing the work (never
doing it in the request).

An action goes to the pipeline through the shell's seam, `task_actions.queue` (a `user.action`
fact for the task's `advance_task`, behind its other facts); a new task becomes a
`tasks:create_asana_task` job, whose name lives here so the web layer defers it without
importing the job modules (as `app/jobs/defer.py` does for the shell's jobs).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from app.db.engine import DB, fetch
from app.jobs import defer
from app.pipeline.facts import UserActionKind
from app.pipeline.status import PipelineStatus
from app.services import project_config, task_actions
from app.services.task_actions import RequestedAction
from app.services.task_queries import MAX_ID, TaskDetail

CREATE_ASANA_TASK = "tasks:create_asana_task"

MAX_NOTE = 5_000  # characters; the core copies at most this much to Asana
MAX_TITLE = 500
MAX_NOTES = 20_000
_ACTION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

LABELS = {
    UserActionKind.RETRY: "Retry pipeline",
    UserActionKind.RESYNC: "Re-sync from Asana",
    UserActionKind.FORCE_LINK_PR: "Force link PR",
    UserActionKind.CHANGE_REPO: "Change repo",
    UserActionKind.ADD_NOTE: "Add note",
}


class ActionProblem(ValueError):
    """Input or a request we refuse, with a message fit to show beside the form."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def new_action_id() -> str:
    """A fresh idempotency token for a rendered form: a double submit sends it twice and the
    core plans nothing the second time."""
    return uuid.uuid4().hex


def action_id_from(text: str | None) -> str:
    return text if text and _ACTION_ID.match(text) else new_action_id()


def refusal(task: TaskDetail, kind: UserActionKind) -> str | None:
    """Why this action makes no sense for the task as it stands, or None when it does."""
    if task.status == PipelineStatus.CANCELLED and kind in (
        UserActionKind.RETRY,
        UserActionKind.FORCE_LINK_PR,
        UserActionKind.CHANGE_REPO,
    ):
        return (
            "This task is cancelled in Asana, so the pipeline leaves it alone. Change its "
            "Status in Asana, then press Re-sync from Asana."
        )
    if kind is UserActionKind.FORCE_LINK_PR and not task.has_issue:
        return "The task has no GitHub issue yet: a pull request is linked to the task's issue."
    if kind is UserActionKind.CHANGE_REPO and task.has_issue:
        return (
            f"The issue already exists in {task.repo_name or 'its repository'}, so the "
            "repository can no longer change."
        )
    return None


def parse_pr_number(text: str | None) -> int:
    value = (text or "").strip().removeprefix("#")
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise ActionProblem(
            "Give the pull request's number: a whole number above zero, like 42.", "pr_number"
        )
    return int(value)


async def canonical_repo(project_id: int, text: str | None) -> str:
    """The repository as the project spells it; refused when it is not one of the project's."""
    wanted = (text or "").strip().lower()
    for repo in await project_config.github_repos(project_id):
        if repo.lower() == wanted:
            return repo
    raise ActionProblem("Choose one of this project's repositories.", "repo")


def parse_note(text: str | None) -> str:
    note = (text or "").strip()
    if not note:
        raise ActionProblem("Write the note first.", "note")
    if len(note) > MAX_NOTE:
        raise ActionProblem(f"Keep the note under {MAX_NOTE:,} characters.", "note")
    return note


async def queue_action(task: TaskDetail, action: RequestedAction) -> None:
    """Queue the action after the task's other facts. Refused (ActionProblem) when it makes no
    sense for the task; the core re-checks everything when it decides."""
    reason = refusal(task, action.kind)
    if reason:
        raise ActionProblem(reason)
    await task_actions.queue(task.id, action)


@dataclass(frozen=True)
class PendingAction:
    kind: str
    by: str
    status: str  # todo or doing


async def pending_actions(task_id: int) -> list[PendingAction]:
    """Actions queued for the task and not yet decided, oldest first."""
    # Only waiting and running jobs are in this partial index, so it stays small however many
    # jobs have run (procrastinate_jobs_id_lock_idx_v1).
    rows = await fetch(
        """
        SELECT args->'fact'->'action'->>'kind' AS kind,
               coalesce(args->'fact'->'action'->>'by', '') AS by, status::text AS status
          FROM procrastinate_jobs
         WHERE lock = $1 AND task_name = $2 AND status IN ('todo', 'doing')
           AND args->'fact'->>'kind' = 'user.action'
         ORDER BY id
        """,
        defer.task_lock(task_id),
        defer.ADVANCE_TASK,
    )
    return [PendingAction(**row) for row in rows]


async def task_is_busy(task_id: int) -> bool:
    """Whether anything is queued or running for the task (a fact, an effect, an action)."""
    rows = await fetch(
        """
        SELECT 1 FROM procrastinate_jobs
         WHERE lock = $1 AND status IN ('todo', 'doing') LIMIT 1
        """,
        defer.task_lock(task_id),
    )
    return bool(rows)


# -- a new task, created in Asana by a job ------------------------------------------------------


@dataclass(frozen=True)
class NewTask:
    title: str
    notes: str
    repo: str
    asana_project: str
    auto: bool
    by: str
    request_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "notes": self.notes,
            "repo": self.repo,
            "asana_project": self.asana_project,
            "auto": self.auto,
            "by": self.by,
            "request_id": self.request_id,
        }


def create_lock(project_id: int) -> str:
    # One creation per project at a time; it also lets the page find the waiting ones through
    # the small index of active jobs.
    return f"create:{project_id}"


async def read_new_task(project_id: int, form: Any, by: str) -> NewTask:
    """The New task form, checked; raises ActionProblem naming the field."""
    title = " ".join((form.get("title") or "").split())
    if not title:
        raise ActionProblem("Give the task a title.", "title")
    if len(title) > MAX_TITLE:
        raise ActionProblem(f"Keep the title under {MAX_TITLE} characters.", "title")
    notes = (form.get("notes") or "").strip()
    if len(notes) > MAX_NOTES:
        raise ActionProblem(f"Keep the notes under {MAX_NOTES:,} characters.", "notes")
    repo = await canonical_repo(project_id, form.get("repo"))
    gids = await project_config.asana_project_gids(project_id)
    asana_project = form.get("asana_project") or ""
    if asana_project not in gids:
        raise ActionProblem("Choose one of the project's Asana projects.", "asana_project")
    return NewTask(
        title=title,
        notes=notes,
        repo=repo,
        asana_project=asana_project,
        auto=form.get("auto") in ("on", "1", "true"),
        by=by,
        request_id=action_id_from(form.get("request_id")),
    )


async def queue_new_task(project_id: int, new: NewTask) -> bool:
    """Queue the creation; False when the same form was already submitted (a double click)."""
    async with DB.transaction():
        return await defer.defer_unless_queued(
            defer.Job(
                CREATE_ASANA_TASK,
                {"project_id": project_id, "request": new.to_json()},
                lock=create_lock(project_id),
                queueing_lock=f"create:{project_id}:{new.request_id}",
            )
        )


# How long a creation that failed for good stays on the dashboard.
FAILED_CREATION_SHOWN_FOR = dt.timedelta(days=1)


async def failed_creations(project_id: int, now: dt.datetime) -> list[str]:
    """Titles of the tasks whose creation in Asana failed for good (retries spent, or an error
    retrying cannot fix) in the last day, newest first, so that nothing fails silently."""
    rows = await fetch(
        """
        SELECT j.args->'request'->>'title' AS title FROM procrastinate_jobs j
         WHERE j.lock = $1 AND j.task_name = $2 AND j.status = 'failed'
           AND (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) > $3
         ORDER BY j.id DESC
        """,
        create_lock(project_id),
        CREATE_ASANA_TASK,
        now - FAILED_CREATION_SHOWN_FOR,
    )
    return [row["title"] for row in rows]


async def pending_creations(project_id: int) -> list[str]:
    """Titles of the tasks being created in Asana for this project, oldest first."""
    rows = await fetch(
        """
        SELECT args->'request'->>'title' AS title FROM procrastinate_jobs
         WHERE lock = $1 AND task_name = $2 AND status IN ('todo', 'doing')
         ORDER BY id
        """,
        create_lock(project_id),
        CREATE_ASANA_TASK,
    )
    return [row["title"] for row in rows]
