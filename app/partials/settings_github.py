"""HTMX fragments of the settings page: the GitHub repositories, the repo map (which
repository each option of the Asana Repo field means) and syncing the field's options."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from app.partials.settings import URL_PREFIX, connection_context, first_error, render_region
from app.services import connections
from app.services import project_config as config
from app.services import project_config_input as config_input
from app.services import project_config_writes as config_writes
from app.services.connections import ConnectionProblem
from app.services.project_config import RepoOverride
from app.services.project_config_input import ConfigProblem
from app.services.projects import ProjectAccess, Role
from app.web.guards import login_required, project_for
from app.web.render import fragment

blueprint = Blueprint("settings_github_partials", __name__, url_prefix=URL_PREFIX)

EMPTY_REPO_ROWS = 2


# -- what the regions need (the page builds them too) -----------------------------------------


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


# -- GitHub repositories ----------------------------------------------------------------------


@blueprint.post("/github")
@login_required
async def save_github(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = await request.form
    rows, defaults = form.getlist("repo"), form.getlist("default")
    try:
        parsed = config_input.parse_repos_input(rows, defaults)
        await connections.validate_repos(connection_context(), access.id, parsed.repos)
    except ConfigProblem as problem:
        errors = _by_row(problem.errors, rows)
    except ConnectionProblem as problem:
        errors = {"form": problem}
    else:
        await config_writes.save_repos(access.id, parsed.repos)
        return await render_region(
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
    return await render_region(
        access, "_github.html", context, anchor="github", error=first_error(errors)
    )


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
        field = await connections.field_options(
            connection_context(), access.id, asana.repo_field_gid, "Repo"
        )
    except ConnectionProblem as error:
        context = await repo_map_context(access, map_error=error)
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
        await config_writes.save_repo_overrides(access.id, overrides)
    except ConfigProblem as problem:
        error = first_error(problem.errors)
        context = await repo_map_context(access, map_error=error, map_errors=problem.errors)
        return await render_region(
            access, "_repo_map.html", context, anchor="repo-map", error=error
        )
    return await render_region(
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
        result = await connections.sync_repo_options(connection_context(), access.id)
    except ConnectionProblem as error:
        context = await repo_map_context(access, map_error=error)
        return await render_region(
            access, "_repo_map.html", context, anchor="repo-map", error=error, changed=True
        )
    toast = f"Added {len(result.added)} option(s) to the Repo field."
    context = await repo_map_context(access, sync_result=result)
    return await render_region(
        access, "_repo_map.html", context, anchor="repo-map", toast=toast, changed=True
    )
