"""Whether a project's integrations are ready: configured, incomplete (and what is missing),
or failing (the last check against a service went wrong).

Plain reads and writes: checks are recorded by `app/services/connections.py`, which talks to
the services; pages and the projects list read the verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from app.services.project_config import (
    MIN_REPOS,
    AsanaConfig,
    RepoEntry,
    Service,
    asana_config,
    repo_entries,
)
from app.tables import IntegrationCheck, ProjectSecret


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
