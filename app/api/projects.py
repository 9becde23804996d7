"""/api/v1: the project itself, its GitHub repositories and its Asana projects.

Repositories and Asana projects are lists the settings page saves whole; each call here builds
the new list and saves it through the same service function, so the same checks apply.
"""

from __future__ import annotations

from quart import Blueprint, Response
from quart_schema import tag_blueprint, validate_request, validate_response

from app.api.auth import token_required
from app.api.common import PROJECT_URL, connection_context, project, refused, upstream
from app.api.errors import ApiProblem, not_utf8
from app.api.openapi import responses
from app.api.schemas import (
    AsanaProjectCreate,
    AsanaProjectList,
    AsanaProjectOut,
    AsanaProjectsReplace,
    ProjectOut,
    ProjectUpdate,
    RepoCreate,
    RepoList,
    RepoOut,
    ReposReplace,
    RepoUpdate,
)
from app.services import config_changes
from app.services import project_config as config
from app.services.connections import ConnectionProblem
from app.services.project_config_input import ConfigProblem
from app.services.projects import ProjectProblem, rename_project

blueprint = Blueprint("api_projects", __name__, url_prefix=PROJECT_URL)
tag_blueprint(blueprint, ["project"])
blueprint.register_error_handler(UnicodeDecodeError, not_utf8)


# -- the project ------------------------------------------------------------------------------


@blueprint.get("")
@token_required
@validate_response(ProjectOut)
async def get_project(slug: str) -> ProjectOut:
    """Read the project."""
    access = project()
    return ProjectOut(slug=access.slug, name=access.name)


@blueprint.patch("")
@token_required
@validate_request(ProjectUpdate)
@validate_response(ProjectOut)
async def update_project(slug: str, data: ProjectUpdate) -> ProjectOut:
    """Rename the project (its slug never changes)."""
    access = project()
    try:
        name = await rename_project(access.id, data.name)
    except ProjectProblem as problem:
        raise refused({problem.field or "name": str(problem)}) from None
    return ProjectOut(slug=access.slug, name=name)


# -- repositories -----------------------------------------------------------------------------


async def _repos() -> RepoList:
    entries = await config.repo_entries(project().id)
    return RepoList(
        items=[RepoOut(full_name=r.full_name, is_default=r.is_default) for r in entries]
    )


async def _save_repos(repos: list[str], default_index: int, field: str) -> None:
    """Save the list through the settings page's service; row errors come back on `field`
    (a list field gets its index: `repos.2`)."""
    try:
        await config_changes.update_repos(
            connection_context(), project().id, repos, [str(default_index)]
        )
    except ConfigProblem as problem:
        raise refused(_repo_fields(problem.errors, repos, field)) from None
    except ConnectionProblem as problem:
        raise upstream(problem) from None


def _repo_fields(errors: dict[str, str], repos: list[str], field: str) -> dict[str, str]:
    lowered = [r.strip().lower() for r in repos]
    fields = {}
    for key, message in errors.items():
        index: int | None = None
        if key.startswith("repo-"):
            index = int(key.removeprefix("repo-"))
        elif key.startswith("repo:") and key.removeprefix("repo:") in lowered:
            index = lowered.index(key.removeprefix("repo:"))
        if index is None:
            name = field if key in ("repos", "form") else key
        else:
            name = f"{field}.{index}" if field == "repos" else field
        fields.setdefault(name, message)
    return fields


def _find(entries: list[config.RepoEntry], owner: str, name: str) -> int:
    wanted = f"{owner}/{name}".lower()
    for index, entry in enumerate(entries):
        if entry.full_name.lower() == wanted:
            return index
    raise ApiProblem(404, f"{owner}/{name} is not a repository of this project.")


@blueprint.get("/repos")
@token_required
@validate_response(RepoList)
async def list_repos(slug: str) -> RepoList:
    """List the repositories, the default first."""
    return await _repos()


@blueprint.put("/repos")
@token_required
@validate_request(ReposReplace)
@validate_response(RepoList)
@responses(502)
async def replace_repos(slug: str, data: ReposReplace) -> RepoList:
    """Replace every repository at once (as the settings page saves them)."""
    default_index = 0
    if data.default is not None:
        lowered = [r.strip().lower() for r in data.repos]
        if data.default.strip().lower() not in lowered:
            raise refused({"default": "The default must be one of the repositories listed."})
        default_index = lowered.index(data.default.strip().lower())
    await _save_repos(data.repos, default_index, "repos")
    return await _repos()


@blueprint.post("/repos")
@token_required
@validate_request(RepoCreate)
@validate_response(RepoList, 201)
@responses(502)
async def add_repo(slug: str, data: RepoCreate) -> tuple[RepoList, int]:
    """Add a repository (optionally as the default)."""
    current = [r.full_name for r in await config.repo_entries(project().id)]
    repos = [*current, data.full_name]
    await _save_repos(repos, len(current) if data.is_default or not current else 0, "full_name")
    return await _repos(), 201


@blueprint.get("/repos/<owner>/<name>")
@token_required
@validate_response(RepoOut)
async def get_repo(slug: str, owner: str, name: str) -> RepoOut:
    """Read one repository."""
    entries = await config.repo_entries(project().id)
    entry = entries[_find(entries, owner, name)]
    return RepoOut(full_name=entry.full_name, is_default=entry.is_default)


@blueprint.patch("/repos/<owner>/<name>")
@token_required
@validate_request(RepoUpdate)
@validate_response(RepoList)
@responses(502)
async def update_repo(slug: str, owner: str, name: str, data: RepoUpdate) -> RepoList:
    """Make a repository the default."""
    entries = await config.repo_entries(project().id)
    index = _find(entries, owner, name)
    await _save_repos([e.full_name for e in entries], index, "is_default")
    return await _repos()


@blueprint.delete("/repos/<owner>/<name>")
@token_required
@responses(502)
async def delete_repo(slug: str, owner: str, name: str) -> Response:
    """Remove a repository (when it was the default, the next one becomes the default)."""
    entries = await config.repo_entries(project().id)
    index = _find(entries, owner, name)
    remaining = [e.full_name for i, e in enumerate(entries) if i != index]
    await _save_repos(remaining, 0, "repos")
    return Response(status=204)


# -- Asana projects ---------------------------------------------------------------------------


async def _asana_projects() -> AsanaProjectList:
    asana = await config.asana_config(project().id)
    return AsanaProjectList(items=[AsanaProjectOut(gid=p.gid, name=p.name) for p in asana.projects])


async def _save_gids(gids: list[str], field: str) -> None:
    try:
        await config_changes.update_asana_projects(connection_context(), project().id, gids)
    except ConfigProblem as problem:
        raise refused(problem.errors, {"asana_project_gids": field}) from None
    except ConnectionProblem as problem:
        raise upstream(problem) from None


@blueprint.get("/asana-projects")
@token_required
@validate_response(AsanaProjectList)
async def list_asana_projects(slug: str) -> AsanaProjectList:
    """List the Asana projects this project follows."""
    return await _asana_projects()


@blueprint.put("/asana-projects")
@token_required
@validate_request(AsanaProjectsReplace)
@validate_response(AsanaProjectList)
@responses(502)
async def replace_asana_projects(slug: str, data: AsanaProjectsReplace) -> AsanaProjectList:
    """Replace every Asana project gid at once."""
    await _save_gids(data.gids, "gids")
    return await _asana_projects()


@blueprint.post("/asana-projects")
@token_required
@validate_request(AsanaProjectCreate)
@validate_response(AsanaProjectList, 201)
@responses(502)
async def add_asana_project(slug: str, data: AsanaProjectCreate) -> tuple[AsanaProjectList, int]:
    """Add an Asana project gid."""
    current = await config.asana_project_gids(project().id)
    await _save_gids([*current, data.gid], "gid")
    return await _asana_projects(), 201


@blueprint.get("/asana-projects/<gid>")
@token_required
@validate_response(AsanaProjectOut)
async def get_asana_project(slug: str, gid: str) -> AsanaProjectOut:
    """Read one Asana project."""
    asana = await config.asana_config(project().id)
    for entry in asana.projects:
        if entry.gid == gid:
            return AsanaProjectOut(gid=entry.gid, name=entry.name)
    raise ApiProblem(404, f"Asana project {gid[:40]} is not followed by this project.")


@blueprint.delete("/asana-projects/<gid>")
@token_required
@responses(502)
async def delete_asana_project(slug: str, gid: str) -> Response:
    """Stop following an Asana project."""
    current = await config.asana_project_gids(project().id)
    if gid not in current:
        raise ApiProblem(404, f"Asana project {gid[:40]} is not followed by this project.")
    await _save_gids([g for g in current if g != gid], "gids")
    return Response(status=204)
