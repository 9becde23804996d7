"""The task a path names, as the current project sees it."""

from __future__ import annotations

from quart import abort

from app.services import task_queries
from app.services.projects import ProjectAccess
from app.services.task_queries import TaskDetail


async def task_for(access: ProjectAccess, task_id: int) -> TaskDetail:
    """The task when it belongs to the project; 404 otherwise (ids of other projects and ids
    too large to exist get the same answer)."""
    task = await task_queries.task_in_project(access.id, task_id)
    if task is None:
        abort(404)
    return task
