"""A project's Asana and GitHub configuration as the rest of the app reads it: the types, the
limits, and plain reads by project id.

Changing the configuration lives next door: `project_config_input` reads and validates the
settings forms, `project_config_writes` saves, and `integration_readiness` says whether a project
is ready. No outbound HTTP here (see `app/services/connections.py`), so jobs, pages and the API
share the same functions. Asana objects are kept by gid, never by name; names are labels for the
page only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from app.pipeline.rules_config import resolve_repo
from app.pipeline.status import AsanaStatus
from app.services.secrets import read_secret
from app.tables import (
    AsanaFieldConfig,
    AsanaRepoMap,
    AsanaStatusMap,
    ProjectAsanaProject,
    ProjectGithubRepo,
)

MIN_REPOS = 3
MAX_REPOS = 10
MAX_ASANA_PROJECTS = 50
# Asana enum fields hold at most 500 options, disabled ones included, and options can only be
# disabled, never deleted. Reference: https://developers.asana.com/reference/createenumoptionforcustomfield
MAX_ENUM_OPTIONS = 500

SECRET_NAMES = ("asana_pat", "github_token", "github_webhook_secret")
SECRET_LABELS = {
    "asana_pat": "Asana personal access token",
    "github_token": "GitHub token",
    "github_webhook_secret": "GitHub webhook secret",
}


class Service(StrEnum):
    ASANA = "asana"
    GITHUB = "github"


# -- the interface other parts of the app read ------------------------------------------------


async def asana_project_gids(project_id: int) -> list[str]:
    """The Asana project gids this tool project aggregates, in the order they were given."""
    rows = (
        await ProjectAsanaProject.select(ProjectAsanaProject.asana_project_gid)
        .where(ProjectAsanaProject.project == project_id)
        .order_by(ProjectAsanaProject.position)
        .order_by(ProjectAsanaProject.id)
    )
    return [row["asana_project_gid"] for row in rows]


async def asana_workspace_gid(project_id: int) -> str | None:
    row = (
        await AsanaFieldConfig.select(AsanaFieldConfig.workspace_gid)
        .where(AsanaFieldConfig.project == project_id)
        .first()
    )
    return row["workspace_gid"] if row else None


async def github_repos(project_id: int) -> list[str]:
    """The project's repositories as `owner/repo`, the default first."""
    return [repo.full_name for repo in await repo_entries(project_id)]


async def default_repo(project_id: int) -> str | None:
    repos = await repo_entries(project_id)
    return repos[0].full_name if repos and repos[0].is_default else None


async def status_map(project_id: int) -> dict[str, AsanaStatus]:
    """Status option gid -> what it means. Options not listed mean ACTIVE."""
    rows = await AsanaStatusMap.select(AsanaStatusMap.option_gid, AsanaStatusMap.status).where(
        AsanaStatusMap.project == project_id
    )
    return {row["option_gid"]: AsanaStatus(row["status"]) for row in rows}


async def repo_for_option(project_id: int, option_gid: str, option_name: str) -> str | None:
    """The repository a Repo option means: a manual override, else the project repository
    whose `owner/repo` equals the option's name (case-insensitive), else None."""
    repos = await github_repos(project_id)
    overrides = await repo_overrides(project_id)
    return resolve_repo(option_gid, option_name, repos, overrides)


# -- reading the whole configuration ----------------------------------------------------------


@dataclass(frozen=True)
class AsanaProjectRef:
    gid: str
    name: str


@dataclass(frozen=True)
class AsanaConfig:
    workspace_gid: str | None = None
    projects: tuple[AsanaProjectRef, ...] = ()
    autotask_field_gid: str | None = None
    autotask_on_option_gid: str | None = None
    repo_field_gid: str | None = None
    status_field_gid: str | None = None
    names: dict[str, str] = field(default_factory=dict)

    def name_of(self, gid: str | None) -> str:
        return self.names.get(gid or "", "")

    @property
    def project_gids(self) -> list[str]:
        return [p.gid for p in self.projects]


@dataclass(frozen=True)
class RepoEntry:
    full_name: str
    is_default: bool


@dataclass(frozen=True)
class StatusMapping:
    option_gid: str
    option_name: str
    status: AsanaStatus


@dataclass(frozen=True)
class RepoOverride:
    option_gid: str
    option_name: str
    repo: str


async def asana_config(project_id: int) -> AsanaConfig:
    row = await AsanaFieldConfig.select().where(AsanaFieldConfig.project == project_id).first()
    projects = (
        await ProjectAsanaProject.select(
            ProjectAsanaProject.asana_project_gid, ProjectAsanaProject.name
        )
        .where(ProjectAsanaProject.project == project_id)
        .order_by(ProjectAsanaProject.position)
        .order_by(ProjectAsanaProject.id)
    )
    refs = tuple(AsanaProjectRef(p["asana_project_gid"], p["name"]) for p in projects)
    if row is None:
        return AsanaConfig(projects=refs)
    names = row["names"]
    if isinstance(names, str):
        names = json.loads(names or "{}")
    return AsanaConfig(
        workspace_gid=row["workspace_gid"],
        projects=refs,
        autotask_field_gid=row["autotask_field_gid"],
        autotask_on_option_gid=row["autotask_on_option_gid"],
        repo_field_gid=row["repo_field_gid"],
        status_field_gid=row["status_field_gid"],
        names=names or {},
    )


async def repo_entries(project_id: int) -> list[RepoEntry]:
    rows = (
        await ProjectGithubRepo.select(ProjectGithubRepo.full_name, ProjectGithubRepo.is_default)
        .where(ProjectGithubRepo.project == project_id)
        .order_by(ProjectGithubRepo.is_default, ascending=False)
        .order_by(ProjectGithubRepo.position)
        .order_by(ProjectGithubRepo.id)
    )
    return [RepoEntry(r["full_name"], r["is_default"]) for r in rows]


async def status_mappings(project_id: int) -> list[StatusMapping]:
    rows = (
        await AsanaStatusMap.select()
        .where(AsanaStatusMap.project == project_id)
        .order_by(AsanaStatusMap.id)
    )
    return [
        StatusMapping(r["option_gid"], r["option_name"], AsanaStatus(r["status"])) for r in rows
    ]


async def repo_overrides(project_id: int) -> dict[str, str]:
    rows = await AsanaRepoMap.select(AsanaRepoMap.option_gid, AsanaRepoMap.repo).where(
        AsanaRepoMap.project == project_id
    )
    return {r["option_gid"]: r["repo"] for r in rows}


async def repo_override_rows(project_id: int) -> list[RepoOverride]:
    rows = (
        await AsanaRepoMap.select()
        .where(AsanaRepoMap.project == project_id)
        .order_by(AsanaRepoMap.id)
    )
    return [RepoOverride(r["option_gid"], r["option_name"], r["repo"]) for r in rows]


# -- the service tokens -----------------------------------------------------------------------


async def token(project_id: int, service: Service) -> str | None:
    """The service's token for this project (plaintext: for a client only, never a page)."""
    return await read_secret(
        project_id, "asana_pat" if service is Service.ASANA else "github_token"
    )
