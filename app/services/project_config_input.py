"""Reading the settings forms of a project's configuration: splitting typed values, checking
gids and repository names, and refusing bad input with a message per field.

Plain functions: no database, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.pipeline.status import AsanaStatus
from app.services.project_config import MAX_ASANA_PROJECTS, MAX_REPOS

# Asana gids are decimal strings (64-bit ids today, longer ones announced: allow up to 32).
# Reference: https://developers.asana.com/docs/object-hierarchy ("gid ... a string")
GID_PATTERN = re.compile(r"[0-9]{1,32}")
INDEX_PATTERN = re.compile(r"[0-9]{1,4}")
# Reference: https://docs.github.com/en/repositories/creating-and-managing-repositories
# Owners: letters, digits and single dashes, at most 39; names: letters, digits, . _ -, at most 100.
REPO_PATTERN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9._-]{1,100}"
)


class ConfigProblem(ValueError):
    """Input we refuse; `errors` maps a form field (or "form") to a message for it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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
    if not GID_PATTERN.fullmatch(value):
        return f"“{value[:40]}” is not an Asana gid: gids are numbers, e.g. 1203456789012345."
    return None


def repo_problem(value: str) -> str | None:
    if not REPO_PATTERN.fullmatch(value) or value.split("/", 1)[1] in (".", ".."):
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
        if not INDEX_PATTERN.fullmatch(raw):
            errors["default"] = "Choose the default repository."
        else:
            default_index = int(raw)
            if default_index not in {i for i, _ in filled}:
                errors["default"] = "The default must be one of the repositories listed."
    if errors:
        raise ConfigProblem(errors)
    ordered = [v for i, v in filled if i == default_index] + [
        v for i, v in filled if i != default_index
    ]
    return ReposInput(ordered, [v for _, v in typed])


def parse_status(value: str) -> AsanaStatus | None:
    try:
        return AsanaStatus(value)
    except ValueError:
        return None
