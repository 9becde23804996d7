"""A project's configuration as the rules read it: plain values, loaded by the shell from
`app.services.project_config` and the knowledge tables, never read from the database here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.pipeline.status import AsanaStatus

PAUSED_LABEL = "autoflow:paused"


@dataclass(frozen=True)
class ContextLink:
    title: str
    url: str
    kind: str = ""


@dataclass(frozen=True)
class ContextContact:
    role: str
    name: str
    handle: str = ""


@dataclass(frozen=True)
class ContextNote:
    """A knowledge note: its title and its markdown source."""

    title: str
    markdown: str


@dataclass(frozen=True)
class ProjectContext:
    """What every issue body carries about the project (the "Project Context" block)."""

    links: tuple[ContextLink, ...] = ()
    contacts: tuple[ContextContact, ...] = ()
    notes: tuple[ContextNote, ...] = ()


@dataclass(frozen=True)
class RepoResolution:
    """The repository a task goes to, or why there is none (the NEEDS_REPO reason)."""

    repo: str | None
    reason: str = ""


@dataclass(frozen=True)
class ProjectRules:
    """The project's Asana field configuration, mappings and repositories.

    - AutoTask is an enum (or multi_enum) field; it is on when `autotask_on_option_gid` is
      among the task's chosen options (Asana has no checkbox type).
    - Repo: an option maps to a repo by a manual override (`repo_overrides`, option gid ->
      owner/repo) or, failing that, by its name being `owner/repo` of one of `repos`.
    - Status: option gid -> AsanaStatus; options not listed mean ACTIVE.
    """

    project_id: int = 0
    asana_project_gids: tuple[str, ...] = ()
    autotask_field_gid: str | None = None
    autotask_on_option_gid: str | None = None
    repo_field_gid: str | None = None
    repo_overrides: Mapping[str, str] = field(default_factory=dict)
    status_field_gid: str | None = None
    status_map: Mapping[str, AsanaStatus] = field(default_factory=dict)
    repos: tuple[str, ...] = ()
    default_repo: str | None = None
    context: ProjectContext = field(default_factory=ProjectContext)
    paused_label: str = PAUSED_LABEL

    def canonical_repo(self, repo: str | None) -> str | None:
        """`repo` as the project spells it, or None when it is not one of the project's."""
        if not repo:
            return None
        return {r.lower(): r for r in self.repos}.get(repo.strip().lower())


def resolve_repo(
    option_gid: str, option_name: str, repos: Iterable[str], overrides: Mapping[str, str]
) -> str | None:
    """The repository a Repo option means: a manual override, else the project repository
    whose `owner/repo` equals the option's name (case-insensitive), else None."""
    by_lower = {repo.lower(): repo for repo in repos}
    override = overrides.get(option_gid)
    if override is not None and override.lower() in by_lower:
        return by_lower[override.lower()]
    return by_lower.get(option_name.strip().lower())
