"""What the dashboard and the task page render, gathered once for the page and its partials
(so neither imports the other). Reads only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.pipeline.facts import UserActionKind
from app.pipeline.status import PipelineStatus
from app.services import project_config, task_imports, task_queries, task_requests
from app.services.integration_readiness import integration_status
from app.services.projects import ProjectAccess
from app.services.task_queries import TaskDetail, TaskFilter
from app.services.task_timeline import describe

# How often a moving task's timeline asks again, in seconds: quickly while something is queued
# for it, slowly while it waits on GitHub (the agent, CI), not at all once it rests.
POLL_BUSY_SECONDS = 2
POLL_WAITING_SECONDS = 10
WAITING_STATUSES = frozenset(
    {
        PipelineStatus.RECEIVED,
        PipelineStatus.TASKSPEC_CREATED,
        PipelineStatus.ISSUE_CREATED,
        PipelineStatus.PR_CREATED,
        PipelineStatus.WAITING_CI,
    }
)
IMPORT_POLL_SECONDS = 2


def poll_seconds(status: str, busy: bool) -> int | None:
    if busy:
        return POLL_BUSY_SECONDS
    if status in WAITING_STATUSES:
        return POLL_WAITING_SECONDS
    return None


async def task_list(access: ProjectAccess, query: TaskFilter) -> dict[str, Any]:
    return {
        "access": access,
        "query": query,
        "page": await task_queries.list_tasks(access.id, query),
        "counts": await task_queries.status_counts(access.id),
    }


async def import_card(access: ProjectAccess) -> dict[str, Any]:
    return {"access": access, "progress": await task_imports.latest(access.id)}


async def creating_region(project_id: int) -> dict[str, Any]:
    """What `_task_creating.html` shows: creations under way, and those that failed lately."""
    return {
        "creating": await task_requests.pending_creations(project_id),
        "failed_creations": await task_requests.failed_creations(
            project_id, dt.datetime.now(dt.UTC)
        ),
    }


async def create_form(
    access: ProjectAccess, form: Any = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    asana = await project_config.asana_config(access.id)
    return {
        "access": access,
        "repos": await project_config.github_repos(access.id),
        "asana_projects": asana.projects,
        **await creating_region(access.id),
        "form": form or {},
        "errors": errors or {},
        "request_id": task_requests.new_action_id(),
    }


async def dashboard(access: ProjectAccess, query: TaskFilter) -> dict[str, Any]:
    return {
        **await task_list(access, query),
        **await import_card(access),
        **await create_form(access),
        "integration": await integration_status(access.id),
    }


async def live(access: ProjectAccess, task: TaskDetail, before_id: int | None = None):
    """The parts of the task page that move: header facts, pending actions, the timeline."""
    events, has_older = await task_queries.timeline(task.id, before_id)
    busy = await task_requests.task_is_busy(task.id)
    return {
        "access": access,
        "task": task,
        "lines": [describe(event) for event in events],
        "has_older": has_older,
        "pending": await task_requests.pending_actions(task.id),
        "poll": poll_seconds(task.status, busy),
    }


async def actions(
    access: ProjectAccess,
    task: TaskDetail,
    *,
    error: str | None = None,
    error_field: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    return {
        "access": access,
        "task": task,
        "repos": await project_config.github_repos(access.id),
        "refusals": {kind.value: task_requests.refusal(task, kind) for kind in UserActionKind},
        "action_id": task_requests.new_action_id(),
        "error": error,
        "error_field": error_field,
        "message": message,
    }


def opencode_commands(task: TaskDetail) -> str | None:
    """What to paste in a terminal to work on the task with OpenCode on one's own machine
    (roadmap section 4: the server never launches a program; it shows the commands). Only ids
    and the repository name go in, never free text, so the lines are safe to paste."""
    if not task.repo_name:
        return None
    name = task.repo_name.rsplit("/", 1)[-1]
    lines = [f"gh repo clone {task.repo_name}", f"cd {name}"]
    if task.pr_number is not None:
        lines.append(f"gh pr checkout {task.pr_number}")
    if task.issue_number is not None:
        lines.append(f"opencode run 'Implement issue #{task.issue_number} of {task.repo_name}'")
    else:
        lines.append("opencode")
    return "\n".join(lines)


async def task_page(access: ProjectAccess, task: TaskDetail) -> dict[str, Any]:
    return {
        **await live(access, task),
        **await actions(access, task),
        "specs": await task_queries.taskspec_versions(task.id),
        "opencode": opencode_commands(task),
    }
