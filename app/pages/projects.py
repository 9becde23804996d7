"""The projects list (a project's home, the Tasks tab, is app/pages/tasks.py)."""

from __future__ import annotations

from quart import Blueprint, Response, g

from app.partials import projects as project_partials
from app.services import projects
from app.services.integration_readiness import integration_statuses
from app.services.task_queries import counts_by_project
from app.web.guards import login_required
from app.web.render import page

blueprint = Blueprint("projects", __name__)


@blueprint.get("/app")
@login_required
async def index() -> Response:
    mine = await projects.projects_for(g.session.user_id)
    statuses = await integration_statuses([p.id for p in mine])
    return await page(
        "projects.html",
        projects=mine,
        statuses=statuses,
        task_counts=await counts_by_project([p.id for p in mine]),
        form={},
        errors={},
    )


@blueprint.post("/app/projects")
@login_required
async def create() -> Response:
    """The projects page's form without htmx: the same action as the inline one."""
    return await project_partials.create()
