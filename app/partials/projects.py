"""HTMX fragments of the projects list: inline creation and refresh."""

from __future__ import annotations

from quart import Blueprint, Response, g, redirect, request

from app.services import projects
from app.services.integration_readiness import integration_statuses
from app.services.projects import ProjectProblem
from app.services.task_queries import counts_by_project
from app.web.guards import login_required, require_instance_admin
from app.web.render import fragment, is_htmx, notice, page

blueprint = Blueprint("project_partials", __name__, url_prefix="/partials")


@blueprint.get("/projects")
@login_required
async def listing() -> Response:
    mine = await projects.projects_for(g.session.user_id)
    statuses = await integration_statuses([p.id for p in mine])
    return await fragment(
        "_projects.html",
        projects=mine,
        statuses=statuses,
        task_counts=await counts_by_project([p.id for p in mine]),
        form={},
        errors={},
    )


@blueprint.post("/projects")
@login_required
async def create() -> Response:
    require_instance_admin()
    form = await request.form
    try:
        created = await projects.create_project(
            form.get("slug", ""), form.get("name", ""), g.session.user_id
        )
    except ProjectProblem as problem:
        mine = await projects.projects_for(g.session.user_id)
        context = {
            "projects": mine,
            "statuses": await integration_statuses([p.id for p in mine]),
            "form": form,
            "errors": {problem.field or "form": str(problem)},
        }
        if not is_htmx():  # a plain form post gets the whole page back, with the errors
            return await page("projects.html", status=400, **context)
        return await fragment("_projects.html", status=422, **context)
    if not is_htmx():
        await notice(f"Project {created.name} created.")
        return redirect(f"/p/{created.slug}", 303)
    mine = await projects.projects_for(g.session.user_id)
    return await fragment(
        "_projects.html",
        projects=mine,
        statuses=await integration_statuses([p.id for p in mine]),
        task_counts=await counts_by_project([p.id for p in mine]),
        form={},
        errors={},
        created=created,
        toast=f"Project {created.name} created.",
    )


@blueprint.get("/projects/switcher")
@login_required
async def switcher() -> Response:
    mine = await projects.projects_for(g.session.user_id)
    return await fragment("_switcher.html", projects=mine)
