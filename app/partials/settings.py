"""HTMX fragments of the settings page: secrets, Asana (pickers, save), the status map, GitHub
repositories, the repo map and its sync, "Test connection", and the integration status.

Each region is one template that the page includes and its routes answer. Every mutation needs
the project admin role (checked here, on the server); reads need membership. A plain form post
(no htmx) is answered with a redirect to the page and a notice instead of the fragment.
"""

from __future__ import annotations

import json
import secrets as random
from typing import Any

from quart import Blueprint, Response, abort, current_app, g, redirect, request

from app.services import connections
from app.services import project_config as config
from app.services.connections import ConnectionProblem, Context
from app.services.project_config import (
    SECRET_LABELS,
    SECRET_NAMES,
    ConfigProblem,
    RepoOverride,
    Service,
    StatusMapping,
)
from app.services.projects import ProjectAccess, Role
from app.services.secrets import secret_statuses, write_secret
from app.web.guards import login_required, project_for
from app.web.render import TOAST_EVENT, fragment, is_htmx, notice

blueprint = Blueprint("settings_partials", __name__, url_prefix="/partials/p/<slug>/settings")

CHANGED_EVENT = "settings-changed"  # the integration status refreshes itself on it
MAX_SECRET_LENGTH = 500
WEBHOOK_SECRET_BYTES = 32
EMPTY_REPO_ROWS = 2


# -- what each region needs (the page builds all of them) --------------------------------------


async def status_context(access: ProjectAccess) -> dict[str, Any]:
    return {"integration": await config.integration_status(access.id)}


async def secrets_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    return {
        "secrets": await secret_statuses(access.id, list(SECRET_NAMES)),
        "secret_labels": SECRET_LABELS,
        "replacing": None,
        "errors": {},
        "generated": None,
        **extra,
    }


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


def repo_rows(repos: list[str]) -> list[str]:
    rows = list(repos) + [""] * EMPTY_REPO_ROWS
    rows += [""] * (config.MIN_REPOS - len(rows))
    return rows[: max(config.MAX_REPOS, len(repos))]


async def github_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    repos = await config.repo_entries(access.id)
    return {
        "repos": repos,
        "repo_rows": repo_rows([r.full_name for r in repos]),
        "repo_default": 0,
        "github_errors": {},
        **extra,
    }


async def repo_map_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    overrides = await config.repo_override_rows(access.id)
    return {
        "repos": await config.repo_entries(access.id),
        "overrides": overrides,
        "repo_current": {o.option_gid: o.repo for o in overrides},
        "repo_options": None,
        "map_error": None,
        "map_errors": {},
        "sync_result": None,
        **extra,
    }


# -- plumbing ---------------------------------------------------------------------------------


def _ctx() -> Context:
    return Context(current_app.extensions["http"], current_app.config["AUTOFLOW_SETTINGS"])


def _mark_changed(response: Response) -> Response:
    """Add the event the integration status listens to, keeping any toast."""
    events = json.loads(response.headers.get("HX-Trigger") or "{}")
    events[CHANGED_EVENT] = True
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


async def _region(
    access: ProjectAccess,
    template: str,
    context: dict[str, Any],
    *,
    anchor: str,
    toast: str | None = None,
    error: str | None = None,
    changed: bool = False,
) -> Response:
    if not is_htmx():
        await notice(error or toast or "Saved.", "error" if error else "ok")
        return redirect(f"/p/{access.slug}/settings#{anchor}", 303)
    response = await fragment(
        template, status=422 if error else 200, toast=toast, access=access, **context
    )
    if error:
        # A toast too, for regions scrolled out of sight; the message also sits by its field.
        response.headers["HX-Trigger"] = json.dumps(
            {TOAST_EVENT: {"message": error, "level": "error"}}
        )
    return _mark_changed(response) if changed else response


def _first(errors: dict[str, str]) -> str:
    return next(iter(errors.values()), "Check the highlighted fields.")


# -- integration status -----------------------------------------------------------------------


@blueprint.get("/status")
@login_required
async def status(slug: str) -> Response:
    access = await project_for(slug)
    return await fragment("_integration_status.html", access=access, **await status_context(access))


# -- secrets ----------------------------------------------------------------------------------


@blueprint.get("/secrets")
@login_required
async def secrets_region(slug: str) -> Response:
    access = await project_for(slug)
    replacing = request.args.get("replace")
    if replacing is not None:
        access = await project_for(slug, Role.ADMIN)
        if replacing not in SECRET_NAMES:
            abort(404)
    return await fragment(
        "_secrets.html", access=access, **await secrets_context(access, replacing=replacing)
    )


@blueprint.post("/secrets/<name>")
@login_required
async def replace_secret(slug: str, name: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    if name not in SECRET_NAMES:
        abort(404)
    value = ((await request.form).get("value") or "").strip()
    problem = None
    if not value:
        problem = "Paste the new value."
    elif len(value) > MAX_SECRET_LENGTH or any(c.isspace() for c in value):
        problem = f"That does not look like a token (no spaces, at most {MAX_SECRET_LENGTH})."
    elif name in ("asana_pat", "github_token"):
        service = Service.ASANA if name == "asana_pat" else Service.GITHUB
        try:
            who = await connections.check_new_token(_ctx(), service, value)
        except ConnectionProblem as error:
            problem = str(error)
    if problem:
        context = await secrets_context(access, replacing=name, errors={name: problem})
        return await _region(access, "_secrets.html", context, anchor="secrets", error=problem)
    await write_secret(access.id, name, value, g.session.user_id)
    toast = f"{SECRET_LABELS[name]} saved."
    if name in ("asana_pat", "github_token"):
        await config.record_check(access.id, service)
        toast = f"{SECRET_LABELS[name]} saved; it belongs to {who}."
    context = await secrets_context(access)
    return await _region(
        access, "_secrets.html", context, anchor="secrets", toast=toast, changed=True
    )


@blueprint.post("/secrets/github_webhook_secret/generate")
@login_required
async def generate_webhook_secret(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    value = random.token_urlsafe(WEBHOOK_SECRET_BYTES)
    await write_secret(access.id, "github_webhook_secret", value, g.session.user_id)
    if not is_htmx():
        # Shown once: a plain post gets the page itself, with the value, not a redirect.
        from app.pages.settings import settings_page

        return await settings_page(access, generated=value)
    context = await secrets_context(access, generated=value)
    return await _region(
        access,
        "_secrets.html",
        context,
        anchor="secrets",
        toast="New webhook secret generated: copy it now.",
        changed=True,
    )


@blueprint.post("/test/<any(asana, github):service>")
@login_required
async def test_connection(slug: str, service: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    chosen = Service(service)
    try:
        who = await connections.test_connection(_ctx(), access.id, chosen)
    except ConnectionProblem as error:
        if not is_htmx():
            await notice(str(error), "error")
            return redirect(f"/p/{access.slug}/settings#secrets", 303)
        response = await fragment("_test_result.html", status=422, error=str(error))
        return _mark_changed(response)
    if not is_htmx():
        await notice(f"Connected as {who}.")
        return redirect(f"/p/{access.slug}/settings#secrets", 303)
    return _mark_changed(await fragment("_test_result.html", who=who, error=None))


# -- Asana ------------------------------------------------------------------------------------


def _asana_values_from(args: Any) -> dict[str, Any]:
    values = {name: (args.get(name) or "").strip() or None for name in config.GID_FIELDS}
    values["project_gids"] = config.split_values(args.getlist("asana_project_gids"))
    return values


@blueprint.get("/asana/pick/workspaces")
@login_required
async def pick_workspaces(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    value = (request.args.get("workspace_gid") or "").strip()
    try:
        workspaces = await connections.pick_workspaces(_ctx(), access.id)
    except ConnectionProblem as error:
        return await fragment(
            "_asana_workspace.html",
            status=422,
            access=access,
            value=value,
            errors={"workspace_gid": str(error)},
        )
    return await fragment(
        "_asana_workspace.html", access=access, value=value, workspaces=workspaces, errors={}
    )


@blueprint.get("/asana/pick/projects")
@login_required
async def pick_projects(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    values = _asana_values_from(request.args)
    selected = [g for g in values["project_gids"] if not config.gid_problem(g)]
    workspace = values["workspace_gid"]
    if workspace and config.gid_problem(workspace):
        workspace = None
    try:
        projects = await connections.pick_projects(_ctx(), access.id, workspace)
    except ConnectionProblem as error:
        return await fragment(
            "_asana_projects.html",
            status=422,
            access=access,
            selected=selected,
            errors={"asana_project_gids": str(error)},
        )
    return await fragment(
        "_asana_projects.html", access=access, selected=selected, projects=projects, errors={}
    )


@blueprint.get("/asana/pick/fields")
@login_required
async def pick_fields(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    values = _asana_values_from(request.args)
    gids = [g for g in values["project_gids"] if not config.gid_problem(g)]
    try:
        fields = await connections.pick_fields(_ctx(), access.id, gids)
    except ConnectionProblem as error:
        return await fragment(
            "_asana_fields.html",
            status=422,
            access=access,
            values=values,
            errors={"fields": str(error)},
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
        data = config.parse_asana_input(form, form.getlist("asana_project_gids"))
        names = await connections.validate_asana(_ctx(), access.id, data)
    except ConfigProblem as problem:
        errors = problem.errors
    except ConnectionProblem as problem:
        errors = {"form": str(problem)}
    else:
        await config.save_asana_config(access.id, data, names)
        return await _region(
            access,
            "_asana.html",
            await asana_context(access),
            anchor="asana",
            toast="Asana settings saved.",
            changed=True,
        )
    context = await asana_context(access, asana_form=values, asana_errors=errors)
    return await _region(access, "_asana.html", context, anchor="asana", error=_first(errors))


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
        field = await connections.field_options(_ctx(), access.id, asana.status_field_gid, "Status")
    except ConnectionProblem as error:
        context = await status_map_context(access, map_error=str(error))
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
        status_value = config.parse_status(raw)
        if config.gid_problem(gid) or status_value is None:
            problem = f"“{name[:60]}” needs a valid option and ACTIVE, BLOCKED or CANCELLED."
            break
        mappings.append(StatusMapping(gid, name[:255], status_value))
    if problem:
        context = await status_map_context(access, map_error=problem)
        return await _region(
            access, "_status_map.html", context, anchor="status-map", error=problem
        )
    # Only what differs from the default needs a row, but keeping every option shows the
    # admin's decision on the page.
    await config.save_status_map(access.id, mappings)
    return await _region(
        access,
        "_status_map.html",
        await status_map_context(access),
        anchor="status-map",
        toast="Status mapping saved.",
    )


# -- GitHub repositories ----------------------------------------------------------------------


@blueprint.post("/github")
@login_required
async def save_github(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = await request.form
    rows, defaults = form.getlist("repo"), form.getlist("default")
    try:
        parsed = config.parse_repos_input(rows, defaults)
        await connections.validate_repos(_ctx(), access.id, parsed.repos)
    except ConfigProblem as problem:
        errors = _by_row(problem.errors, rows)
    except ConnectionProblem as problem:
        errors = {"form": str(problem)}
    else:
        await config.save_repos(access.id, parsed.repos)
        return await _region(
            access,
            "_github.html",
            await github_context(access),
            anchor="github",
            toast="Repositories saved.",
            changed=True,
        )
    default = defaults[0] if len(defaults) == 1 and defaults[0].isdigit() else "0"
    context = await github_context(
        access,
        repo_rows=[(r or "").strip()[:200] for r in rows][: config.MAX_REPOS + 5] or repo_rows([]),
        repo_default=int(default),
        github_errors=errors,
    )
    return await _region(access, "_github.html", context, anchor="github", error=_first(errors))


def _by_row(errors: dict[str, str], rows: list[str]) -> dict[str, str]:
    """GitHub's per-repository errors (keyed `repo:<name>`) moved next to their row."""
    placed = {}
    for key, message in errors.items():
        if key.startswith("repo:"):
            name = key.removeprefix("repo:")
            index = next((i for i, r in enumerate(rows) if r.strip().lower() == name), None)
            placed[f"repo-{index}" if index is not None else "repos"] = message
        else:
            placed[key] = message
    return placed


# -- repo map ---------------------------------------------------------------------------------


@blueprint.get("/repo-map")
@login_required
async def repo_map_region(slug: str) -> Response:
    access = await project_for(slug)
    if not request.args.get("load"):
        return await fragment("_repo_map.html", access=access, **await repo_map_context(access))
    access = await project_for(slug, Role.ADMIN)
    asana = await config.asana_config(access.id)
    try:
        field = await connections.field_options(_ctx(), access.id, asana.repo_field_gid, "Repo")
    except ConnectionProblem as error:
        context = await repo_map_context(access, map_error=str(error))
        return await fragment("_repo_map.html", status=422, access=access, **context)
    repos = await config.github_repos(access.id)
    options = [
        {
            "gid": o.gid,
            "name": o.name,
            "enabled": o.enabled,
            "auto": config.resolve_repo(o.gid, o.name, repos, {}),
        }
        for o in field.enum_options
    ]
    context = await repo_map_context(access, repo_options=options)
    return await fragment("_repo_map.html", access=access, **context)


@blueprint.post("/repo-map")
@login_required
async def save_repo_map(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = await request.form
    gids, names, repos = (
        form.getlist("option_gid"),
        form.getlist("option_name"),
        form.getlist("repo"),
    )
    overrides = [
        RepoOverride(gid, name[:255], repo.strip())
        for gid, name, repo in zip(gids, names, repos, strict=False)
        if repo.strip()
    ]
    try:
        await config.save_repo_overrides(access.id, overrides)
    except ConfigProblem as problem:
        error = _first(problem.errors)
        context = await repo_map_context(access, map_error=error, map_errors=problem.errors)
        return await _region(access, "_repo_map.html", context, anchor="repo-map", error=error)
    return await _region(
        access,
        "_repo_map.html",
        await repo_map_context(access),
        anchor="repo-map",
        toast="Repo mapping saved.",
    )


@blueprint.post("/repo-map/sync")
@login_required
async def sync_repo_options(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    try:
        result = await connections.sync_repo_options(_ctx(), access.id)
    except ConnectionProblem as error:
        context = await repo_map_context(access, map_error=str(error))
        return await _region(
            access, "_repo_map.html", context, anchor="repo-map", error=str(error), changed=True
        )
    toast = f"Added {len(result.added)} option(s) to the Repo field."
    context = await repo_map_context(access, sync_result=result)
    return await _region(
        access, "_repo_map.html", context, anchor="repo-map", toast=toast, changed=True
    )
