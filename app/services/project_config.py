"""A project's Asana and GitHub configuration: reading it, validating input, saving it, and
whether the project is ready (configured / incomplete / failing).

No outbound HTTP here (see `app/services/connections.py`); everything is plain reads and writes,
so jobs, pages and the API share the same functions. Asana objects are kept by gid, never by
name; names are labels for the page only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum

from app.db.engine import DB
from app.services.secrets import read_secret
from app.tables import (
    AsanaFieldConfig,
    AsanaRepoMap,
    AsanaStatusMap,
    IntegrationCheck,
    ProjectAsanaProject,
    ProjectGithubRepo,
    ProjectSecret,
)

# Asana gids are decimal strings (64-bit ids today, longer ones announced: allow up to 32).
# Reference: https://developers.asana.com/docs/object-hierarchy ("gid ... a string")
GID_PATTERN = re.compile(r"^[0-9]{1,32}$")
# Reference: https://docs.github.com/en/repositories/creating-and-managing-repositories
# Owners: letters, digits and single dashes, at most 39; names: letters, digits, . _ -, at most 100.
REPO_PATTERN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9._-]{1,100}$"
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


class PipelineStatus(StrEnum):
    """What an option of the Asana Status field means to the pipeline."""

    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"
    CANCELLED = "CANCELLED"


class Service(StrEnum):
    ASANA = "asana"
    GITHUB = "github"


class ConfigProblem(ValueError):
    """Input we refuse; `errors` maps a form field (or "form") to a message for it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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


async def status_map(project_id: int) -> dict[str, PipelineStatus]:
    """Status option gid -> what it means. Options not listed mean ACTIVE."""
    rows = await AsanaStatusMap.select(AsanaStatusMap.option_gid, AsanaStatusMap.status).where(
        AsanaStatusMap.project == project_id
    )
    return {row["option_gid"]: PipelineStatus(row["status"]) for row in rows}


async def repo_for_option(project_id: int, option_gid: str, option_name: str) -> str | None:
    """The repository a Repo option means: a manual override, else the project repository
    whose `owner/repo` equals the option's name (case-insensitive), else None."""
    repos = await github_repos(project_id)
    overrides = await repo_overrides(project_id)
    return resolve_repo(option_gid, option_name, repos, overrides)


def resolve_repo(
    option_gid: str, option_name: str, repos: list[str], overrides: dict[str, str]
) -> str | None:
    by_lower = {repo.lower(): repo for repo in repos}
    override = overrides.get(option_gid)
    if override is not None and override.lower() in by_lower:
        return by_lower[override.lower()]
    return by_lower.get(option_name.strip().lower())


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
    status: PipelineStatus


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
        StatusMapping(r["option_gid"], r["option_name"], PipelineStatus(r["status"])) for r in rows
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


# -- parsing and validating input -------------------------------------------------------------


def split_values(raw_values: list[str]) -> list[str]:
    """Values typed or picked: each may hold several, separated by commas or white space.
    Duplicates are dropped, order kept."""
    seen: dict[str, None] = {}
    for raw in raw_values:
        for part in re.split(r"[\s,]+", raw or ""):
            if part:
                seen.setdefault(part, None)
    return list(seen)


def gid_problem(value: str) -> str | None:
    if not GID_PATTERN.match(value):
        return f"“{value[:40]}” is not an Asana gid: gids are numbers, e.g. 1203456789012345."
    return None


def repo_problem(value: str) -> str | None:
    if not REPO_PATTERN.match(value) or value.split("/", 1)[1] in (".", ".."):
        return f"“{value[:120]}” is not a repository: write it as owner/repo."
    return None


@dataclass(frozen=True)
class AsanaInput:
    workspace_gid: str | None
    project_gids: list[str]
    autotask_field_gid: str | None
    autotask_on_option_gid: str | None
    repo_field_gid: str | None
    status_field_gid: str | None


GID_FIELDS = (
    "workspace_gid",
    "autotask_field_gid",
    "autotask_on_option_gid",
    "repo_field_gid",
    "status_field_gid",
)


def parse_asana_input(single: dict[str, str], project_values: list[str]) -> AsanaInput:
    """Read the Asana form; raise ConfigProblem naming each malformed field."""
    errors: dict[str, str] = {}
    values: dict[str, str | None] = {}
    for name in GID_FIELDS:
        value = (single.get(name) or "").strip()
        values[name] = value or None
        if value and (problem := gid_problem(value)):
            errors[name] = problem
    gids = split_values(project_values)
    bad = [g for g in gids if gid_problem(g)]
    if bad:
        errors["asana_project_gids"] = gid_problem(bad[0]) or ""
    elif len(gids) > MAX_ASANA_PROJECTS:
        errors["asana_project_gids"] = f"At most {MAX_ASANA_PROJECTS} Asana projects."
    if values["autotask_on_option_gid"] and not values["autotask_field_gid"]:
        errors.setdefault("autotask_field_gid", "Choose the AutoTask field of this option.")
    if errors:
        raise ConfigProblem(errors)
    return AsanaInput(
        workspace_gid=values["workspace_gid"],
        project_gids=gids,
        autotask_field_gid=values["autotask_field_gid"],
        autotask_on_option_gid=values["autotask_on_option_gid"],
        repo_field_gid=values["repo_field_gid"],
        status_field_gid=values["status_field_gid"],
    )


@dataclass(frozen=True)
class ReposInput:
    repos: list[str]  # the default first
    rows: list[str] = field(default_factory=list)  # as typed, blanks included, for re-display


def parse_repos_input(rows: list[str], defaults: list[str]) -> ReposInput:
    """Read the repositories form: one `owner/repo` per row and the index of the default row.
    Raises ConfigProblem with an error per bad row (`repo-<index>`) or for the whole list."""
    typed = [(i, (value or "").strip()) for i, value in enumerate(rows)]
    filled = [(i, v) for i, v in typed if v]
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, value in filled:
        if problem := repo_problem(value):
            errors[f"repo-{i}"] = problem
        elif value.lower() in seen:
            errors[f"repo-{i}"] = f"{value} is listed twice."
        else:
            seen[value.lower()] = i
    if len(filled) > MAX_REPOS:
        errors["repos"] = f"At most {MAX_REPOS} repositories per project ({len(filled)} given)."
    default_index: int | None = None
    if len(defaults) > 1:
        errors["default"] = "Choose exactly one default repository."
    elif filled:
        raw = defaults[0] if defaults else ""
        try:
            default_index = int(raw)
        except ValueError:
            errors["default"] = "Choose the default repository."
        else:
            if default_index not in {i for i, _ in filled}:
                errors["default"] = "The default must be one of the repositories listed."
    if errors:
        raise ConfigProblem(errors)
    ordered = [v for i, v in filled if i == default_index] + [
        v for i, v in filled if i != default_index
    ]
    return ReposInput(ordered, [v for _, v in typed])


def parse_status(value: str) -> PipelineStatus | None:
    try:
        return PipelineStatus(value)
    except ValueError:
        return None


# -- saving -----------------------------------------------------------------------------------


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


# -- health and readiness ---------------------------------------------------------------------


async def record_check(project_id: int, service: Service, error: str | None = None) -> None:
    """Remember the outcome of talking to a service (a safe message, never a token)."""
    if error is None:
        sql = """
            INSERT INTO integration_checks (project, service, ok_at) VALUES ({}, {}, now())
            ON CONFLICT (project, service) DO UPDATE SET ok_at = now()
        """
        await IntegrationCheck.raw(sql, project_id, service.value)
    else:
        sql = """
            INSERT INTO integration_checks (project, service, error, error_at)
            VALUES ({}, {}, {}, now())
            ON CONFLICT (project, service) DO UPDATE SET error = EXCLUDED.error, error_at = now()
        """
        await IntegrationCheck.raw(sql, project_id, service.value, error[:1000])


class Readiness(StrEnum):
    CONFIGURED = "configured"
    INCOMPLETE = "incomplete"
    FAILING = "failing"


@dataclass(frozen=True)
class IntegrationStatus:
    state: Readiness
    missing: tuple[str, ...] = ()
    failures: tuple[tuple[str, str, dt.datetime], ...] = ()  # (service, error, when)

    @property
    def label(self) -> str:
        return {
            Readiness.CONFIGURED: "Configured",
            Readiness.INCOMPLETE: "Incomplete",
            Readiness.FAILING: "Failing",
        }[self.state]

    @property
    def summary(self) -> str:
        if self.state is Readiness.FAILING:
            return "; ".join(f"{service.title()}: {error}" for service, error, _ in self.failures)
        if self.state is Readiness.INCOMPLETE:
            return "Missing: " + ", ".join(self.missing) + "."
        return "Asana and GitHub are set up."


def missing_parts(
    secrets_present: set[str], asana: AsanaConfig, repos: list[RepoEntry]
) -> list[str]:
    """What a project still needs before the pipeline can run, in words for the page."""
    missing = []
    if "asana_pat" not in secrets_present:
        missing.append("Asana token")
    if not asana.projects:
        missing.append("Asana projects")
    if not asana.autotask_field_gid or not asana.autotask_on_option_gid:
        missing.append("AutoTask field and its “on” option")
    if not asana.repo_field_gid:
        missing.append("Repo field")
    if not asana.status_field_gid:
        missing.append("Status field")
    if "github_token" not in secrets_present:
        missing.append("GitHub token")
    if len(repos) < MIN_REPOS:
        missing.append(f"at least {MIN_REPOS} GitHub repositories ({len(repos)} so far)")
    elif not any(r.is_default for r in repos):
        missing.append("a default repository")
    return missing


async def integration_status(project_id: int) -> IntegrationStatus:
    rows = await ProjectSecret.select(ProjectSecret.name).where(ProjectSecret.project == project_id)
    present = {row["name"] for row in rows}
    missing = missing_parts(present, await asana_config(project_id), await repo_entries(project_id))
    checks = await IntegrationCheck.select().where(IntegrationCheck.project == project_id)
    failures = tuple(
        (c["service"], c["error"], c["error_at"])
        for c in sorted(checks, key=lambda c: c["service"])
        if c["error_at"] is not None and (c["ok_at"] is None or c["error_at"] > c["ok_at"])
    )
    if failures:
        return IntegrationStatus(Readiness.FAILING, tuple(missing), failures)
    if missing:
        return IntegrationStatus(Readiness.INCOMPLETE, tuple(missing))
    return IntegrationStatus(Readiness.CONFIGURED)


async def integration_statuses(project_ids: list[int]) -> dict[int, IntegrationStatus]:
    return {project_id: await integration_status(project_id) for project_id in project_ids}


async def token(project_id: int, service: Service) -> str | None:
    """The service's token for this project (plaintext: for a client only, never a page)."""
    return await read_secret(
        project_id, "asana_pat" if service is Service.ASANA else "github_token"
    )
