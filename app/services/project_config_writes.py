"""Saving a project's Asana and GitHub configuration, each part replaced in one transaction.

Input arrives parsed (see `project_config_input`); only the repo overrides are checked here,
against the saved repositories. What depends on a replaced part (the status and repo maps of a
field, overrides naming a repository) is dropped with it.
"""

from __future__ import annotations

import json

from app.db.engine import DB
from app.services.project_config import (
    RepoOverride,
    StatusMapping,
    asana_config,
    github_repos,
)
from app.services.project_config_input import GID_FIELDS, AsanaInput, ConfigProblem, gid_problem
from app.tables import (
    AsanaFieldConfig,
    AsanaRepoMap,
    AsanaStatusMap,
    ProjectAsanaProject,
    ProjectGithubRepo,
)


async def save_asana_config(
    project_id: int, data: AsanaInput, names: dict[str, str] | None = None
) -> None:
    """Replace the Asana configuration in one transaction. `names` labels the gids (from Asana
    when it was asked); a gid without a name keeps the one it had."""
    current = await asana_config(project_id)
    labels = {**current.names, **(names or {})}
    used = {g for g in (getattr(data, f) for f in GID_FIELDS) if g} | set(data.project_gids)
    labels = {gid: name for gid, name in labels.items() if gid in used}
    async with DB.transaction():
        await AsanaFieldConfig.raw(
            """
            INSERT INTO asana_field_config (project, workspace_gid, autotask_field_gid,
                autotask_on_option_gid, repo_field_gid, status_field_gid, names, updated_at)
            VALUES ({}, {}, {}, {}, {}, {}, {}::jsonb, now())
            ON CONFLICT (project) DO UPDATE SET
                workspace_gid = EXCLUDED.workspace_gid,
                autotask_field_gid = EXCLUDED.autotask_field_gid,
                autotask_on_option_gid = EXCLUDED.autotask_on_option_gid,
                repo_field_gid = EXCLUDED.repo_field_gid,
                status_field_gid = EXCLUDED.status_field_gid,
                names = EXCLUDED.names, updated_at = now()
            """,
            project_id,
            data.workspace_gid,
            data.autotask_field_gid,
            data.autotask_on_option_gid,
            data.repo_field_gid,
            data.status_field_gid,
            json.dumps(labels),
        )
        await ProjectAsanaProject.delete().where(ProjectAsanaProject.project == project_id)
        if data.project_gids:
            await ProjectAsanaProject.insert(
                *(
                    ProjectAsanaProject(
                        project=project_id,
                        asana_project_gid=gid,
                        name=labels.get(gid, ""),
                        position=position,
                    )
                    for position, gid in enumerate(data.project_gids)
                )
            )
        if data.status_field_gid != current.status_field_gid:
            # Options of another field mean nothing any more.
            await AsanaStatusMap.delete().where(AsanaStatusMap.project == project_id)
        if data.repo_field_gid != current.repo_field_gid:
            await AsanaRepoMap.delete().where(AsanaRepoMap.project == project_id)


async def save_repos(project_id: int, repos: list[str]) -> None:
    """Replace the repository list; the first is the default. Overrides that pointed at a
    repository no longer listed are dropped."""
    async with DB.transaction():
        await ProjectGithubRepo.delete().where(ProjectGithubRepo.project == project_id)
        if repos:
            await ProjectGithubRepo.insert(
                *(
                    ProjectGithubRepo(
                        project=project_id, full_name=repo, is_default=(i == 0), position=i
                    )
                    for i, repo in enumerate(repos)
                )
            )
        kept = [repo.lower() for repo in repos] or [""]
        await AsanaRepoMap.raw(
            "DELETE FROM asana_repo_map WHERE project = {} AND NOT (lower(repo) = ANY({}))",
            project_id,
            kept,
        )


async def save_status_map(project_id: int, mappings: list[StatusMapping]) -> None:
    async with DB.transaction():
        await AsanaStatusMap.delete().where(AsanaStatusMap.project == project_id)
        if mappings:
            await AsanaStatusMap.insert(
                *(
                    AsanaStatusMap(
                        project=project_id,
                        option_gid=m.option_gid,
                        option_name=m.option_name,
                        status=m.status.value,
                    )
                    for m in mappings
                )
            )


async def save_repo_overrides(project_id: int, overrides: list[RepoOverride]) -> None:
    """Replace the manual Repo-option mappings; each must name a repository of this project."""
    repos = {repo.lower(): repo for repo in await github_repos(project_id)}
    errors = {}
    for o in overrides:
        if o.repo.lower() not in repos:
            errors[f"map-{o.option_gid}"] = (
                f"{o.repo[:120]} is not one of this project's repositories."
            )
        elif gid_problem(o.option_gid):
            errors[f"map-{o.option_gid}"] = gid_problem(o.option_gid) or ""
    if errors:
        raise ConfigProblem(errors)
    async with DB.transaction():
        await AsanaRepoMap.delete().where(AsanaRepoMap.project == project_id)
        if overrides:
            await AsanaRepoMap.insert(
                *(
                    AsanaRepoMap(
                        project=project_id,
                        option_gid=o.option_gid,
                        option_name=o.option_name,
                        repo=repos[o.repo.lower()],
                    )
                    for o in overrides
                )
            )
