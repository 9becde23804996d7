"""The Tasks tab: the project dashboard (`/p/<slug>`) and one task's page (`/p/<slug>/t/<id>`)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from app.services import task_view
from app.services.task_queries import TaskFilter
from app.web.guards import login_required, project_for
from app.web.render import page
from app.web.task_guards import task_for

blueprint = Blueprint("tasks", __name__)


@blueprint.get("/p/<slug>")
@login_required
async def dashboard(slug: str) -> Response:
    access = await project_for(slug)
    query = TaskFilter.from_args(request.args)
    context = await task_view.dashboard(access, query)
    return await page("tasks.html", section="tasks", **context)


@blueprint.get("/p/<slug>/t/<int:task_id>")
@login_required
async def task(slug: str, task_id: int) -> Response:
    access = await project_for(slug)
    found = await task_for(access, task_id)
    context = await task_view.task_page(access, found)
    return await page("task.html", section="tasks", **context)
