"""HTMX fragments of the settings page: the Asana configuration with its pickers, and the
status map (what each option of the Status field means to the pipeline)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from app.partials.settings import URL_PREFIX, connection_context, first_error, render_region
from app.services import connections
from app.services import project_config as config
from app.services import project_config_input as config_input
from app.services import project_config_writes as config_writes
from app.services.connections import ConnectionProblem
from app.services.project_config import StatusMapping
from app.services.project_config_input import ConfigProblem
from app.services.projects import ProjectAccess, Role
from app.web.guards import login_required, project_for
from app.web.render import fragment

blueprint = Blueprint("settings_asana_partials", __name__, url_prefix=URL_PREFIX)


# -- what the regions need (the page builds them too) -----------------------------------------


def asana_form_values(asana: config.AsanaConfig) -> dict[str, Any]:
    return {
        "workspace_gid": asana.workspace_gid,
        "project_gids": asana.project_gids,
        "autotask_field_gid": asana.autotask_field_gid,
        "autotask_on_option_gid": asana.autotask_on_option_gid,
        "repo_field_gid": asana.repo_field_gid,
        "status_field_gid": asana.status_field_gid,
    }


async def asana_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    asana = await config.asana_config(access.id)
    return {"asana": asana, "asana_form": asana_form_values(asana), "asana_errors": {}, **extra}


async def status_map_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    rows = await config.status_mappings(access.id)
    return {
        "status_rows": rows,
        "status_current": {m.option_gid: m.status.value for m in rows},
        "status_options": None,
        "map_error": None,
        **extra,
    }


# -- Asana ------------------------------------------------------------------------------------


def _asana_values_from(args: Any) -> dict[str, Any]:
    values = {name: (args.get(name) or "").strip() or None for name in config_input.GID_FIELDS}
    values["project_gids"] = config_input.split_values(args.getlist("asana_project_gids"))
    return values


@blueprint.get("/asana/pick/workspaces")
@login_required
async def pick_workspaces(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    value = (request.args.get("workspace_gid") or "").strip()
    try:
        workspaces = await connections.pick_workspaces(connection_context(), access.id)
    except ConnectionProblem as error:
        return await fragment(
            "_asana_workspace.html",
            status=422,
            access=access,
            asana=await config.asana_config(access.id),
            value=value,
            errors={"workspace_gid": error},
        )
    return await fragment(
        "_asana_workspace.html", access=access, value=value, workspaces=workspaces, errors={}
    )


@blueprint.get("/asana/pick/projects")
@login_required
async def pick_projects(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    values = _asana_values_from(request.args)
    selected = [g for g in values["project_gids"] if not config_input.gid_problem(g)]
    workspace = values["workspace_gid"]
    if workspace and config_input.gid_problem(workspace):
        workspace = None
    try:
        projects = await connections.pick_projects(connection_context(), access.id, workspace)
    except ConnectionProblem as error:
        return await fragment(
            "_asana_projects.html",
            status=422,
            access=access,
            asana=await config.asana_config(access.id),
            selected=selected,
            errors={"asana_project_gids": error},
        )
    return await fragment(
        "_asana_projects.html", access=access, selected=selected, projects=projects, errors={}
    )


@blueprint.get("/asana/pick/fields")
@login_required
async def pick_fields(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    values = _asana_values_from(request.args)
    gids = [g for g in values["project_gids"] if not config_input.gid_problem(g)]
    try:
        fields = await connections.pick_fields(connection_context(), access.id, gids)
    except ConnectionProblem as error:
        return await fragment(
            "_asana_fields.html",
            status=422,
            access=access,
            asana=await config.asana_config(access.id),
            values=values,
            errors={"fields": error},
        )
    return await fragment(
        "_asana_fields.html", access=access, values=values, fields=fields, errors={}
    )


@blueprint.post("/asana")
@login_required
async def save_asana(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = await request.form
    values = _asana_values_from(form)
    try:
        data = config_input.parse_asana_input(form, form.getlist("asana_project_gids"))
        names = await connections.validate_asana(connection_context(), access.id, data)
    except ConfigProblem as problem:
        errors = problem.errors
    except ConnectionProblem as problem:
        errors = {"form": problem}
    else:
        await config_writes.save_asana_config(access.id, data, names)
        return await render_region(
            access,
            "_asana.html",
            await asana_context(access),
            anchor="asana",
            toast="Asana settings saved.",
            changed=True,
        )
    context = await asana_context(access, asana_form=values, asana_errors=errors)
    return await render_region(
        access, "_asana.html", context, anchor="asana", error=first_error(errors)
    )


# -- status map -------------------------------------------------------------------------------


@blueprint.get("/status-map")
@login_required
async def status_map_region(slug: str) -> Response:
    access = await project_for(slug)
    if not request.args.get("load"):
        return await fragment("_status_map.html", access=access, **await status_map_context(access))
    access = await project_for(slug, Role.ADMIN)
    asana = await config.asana_config(access.id)
    try:
        field = await connections.field_options(
            connection_context(), access.id, asana.status_field_gid, "Status"
        )
    except ConnectionProblem as error:
        context = await status_map_context(access, map_error=error)
        return await fragment("_status_map.html", status=422, access=access, **context)
    context = await status_map_context(access, status_options=list(field.enum_options))
    return await fragment("_status_map.html", access=access, **context)


@blueprint.post("/status-map")
@login_required
async def save_status_map(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = await request.form
    gids, names, statuses = (
        form.getlist("option_gid"),
        form.getlist("option_name"),
        form.getlist("status"),
    )
    problem = None
    mappings = []
    if not (len(gids) == len(names) == len(statuses)):
        problem = "The form was incomplete: load the options again."
    for gid, name, raw in zip(gids, names, statuses, strict=False):
        status_value = config_input.parse_status(raw)
        if config_input.gid_problem(gid) or status_value is None:
            problem = f"“{name[:60]}” needs a valid option and ACTIVE, BLOCKED or CANCELLED."
            break
        mappings.append(StatusMapping(gid, name[:255], status_value))
    if problem:
        context = await status_map_context(access, map_error=problem)
        return await render_region(
            access, "_status_map.html", context, anchor="status-map", error=problem
        )
    # Only what differs from the default needs a row, but keeping every option shows the
    # admin's decision on the page.
    await config_writes.save_status_map(access.id, mappings)
    return await render_region(
        access,
        "_status_map.html",
        await status_map_context(access),
        anchor="status-map",
        toast="Status mapping saved.",
    )
