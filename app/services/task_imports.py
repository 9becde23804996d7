"""The dashboard's "Sync from Asana project(s)": start the shell's import (one job per page,
all under the lock `import:<project>`) unless one is running, and measure its progress.

Progress is read from what the import leaves behind, without changing its job: the run's page
jobs (ids from the run's first job on, with its lock) and the project's tasks created or
updated since the run started. Those task counts include webhook traffic in the same minutes;
the page says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.db.engine import DB, fetch
from app.jobs import defer
from app.jobs.imports import import_job
from app.tables import TaskImport

# Two clicks at once must not both find "nothing running": a transaction-scoped advisory lock
# per project (this class id keeps it apart from other advisory locks).
IMPORT_LOCK_CLASS = 7311


def import_lock(project_id: int) -> str:
    return str(import_job(project_id).lock)


async def is_running(project_id: int) -> bool:
    rows = await fetch(
        "SELECT 1 FROM procrastinate_jobs WHERE lock = $1 AND status IN ('todo', 'doing') LIMIT 1",
        import_lock(project_id),
    )
    return bool(rows)


async def start(project_id: int, user_id: int | None) -> bool:
    """Queue an import from the first page; False (and nothing queued) when one is running."""
    async with DB.transaction():
        await fetch("SELECT pg_advisory_xact_lock($1, $2)", IMPORT_LOCK_CLASS, project_id)
        if await is_running(project_id):
            return False
        job_ids = await defer.defer(import_job(project_id))
        await TaskImport.insert(
            TaskImport(project=project_id, started_by=user_id, first_job_id=job_ids[0])
        )
    return True


@dataclass(frozen=True)
class ImportProgress:
    started_at: dt.datetime
    started_by: str | None
    running: bool
    pages_done: int
    pages_failed: int
    created: int  # tasks new since the run started
    updated: int  # tasks known before and changed since

    @property
    def seen(self) -> int:
        return self.created + self.updated


async def latest(project_id: int) -> ImportProgress | None:
    """The project's last import run as it stands, or None when none was started here."""
    runs = await fetch(
        """
        SELECT i.first_job_id, i.started_at, u.username
          FROM task_imports i LEFT JOIN users u ON u.id = i.started_by
         WHERE i.project = $1 ORDER BY i.id DESC LIMIT 1
        """,
        project_id,
    )
    if not runs:
        return None
    run = runs[0]
    # The run's jobs are the import jobs with this project's lock from its first job on: a
    # primary-key range holding only the jobs queued since it started.
    jobs = await fetch(
        """
        SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs
         WHERE id >= $1 AND lock = $2 AND task_name = $3 GROUP BY status
        """,
        run["first_job_id"],
        import_lock(project_id),
        defer.IMPORT_ASANA_TASKS,
    )
    by_status = {row["status"]: row["n"] for row in jobs}
    tasks = await fetch(
        """
        SELECT count(*) FILTER (WHERE created_at >= $2) AS created,
               count(*) FILTER (WHERE created_at < $2) AS updated
          FROM tasks WHERE project = $1 AND updated_at >= $2
        """,
        project_id,
        run["started_at"],
    )
    return ImportProgress(
        started_at=run["started_at"],
        started_by=run["username"],
        running=bool(by_status.get("todo") or by_status.get("doing")),
        pages_done=by_status.get("succeeded", 0),
        pages_failed=by_status.get("failed", 0) + by_status.get("aborted", 0),
        created=tasks[0]["created"],
        updated=tasks[0]["updated"],
    )
