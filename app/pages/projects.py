"""The projects list and a project's sections (its home, the Tasks tab, is app/pages/tasks.py)."""

from __future__ import annotations

from quart import Blueprint, Response, g

from app.partials import projects as project_partials
from app.services import projects
from app.services.integration_readiness import integration_statuses
from app.services.task_queries import counts_by_project
from app.web.guards import login_required, project_for
from app.web.render import page

blueprint = Blueprint("projects", __name__)

# Sections that later stages fill in; each page says honestly what will come.
SECTIONS = {
    "api": (
        "API",
        "Project-scoped API tokens (shown once, revocable), curl examples for every operation "
        "of /api/v1, and the OpenAPI document.",
    ),
}


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


@blueprint.get("/p/<slug>/<any(api):section>")
@login_required
async def section(slug: str, section: str) -> Response:
    access = await project_for(slug)
    title, promise = SECTIONS[section]
    return await page(
        "project_section.html", section=section, title=title, promise=promise, access=access
    )
