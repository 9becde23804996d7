"""Tasks as the pipeline stores them: finding a task for a fact, locking it, saving what the
core decided (state, timeline, TaskSpec versions), and the CI runs seen per commit.

Plain queries only: no outbound HTTP, no rules. Every write here runs inside the caller's
transaction (`app/jobs/pipeline.py` holds the task's row lock while it calls them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.db.engine import fetch

# The columns pages and queries read; the core's full state is in `state`.
TASK_COLUMNS = (
    "title",
    "status",
    "asana_status",
    "auto_enabled",
    "issue_number",
    "issue_url",
    "pr_number",
    "pr_url",
    "ci_url",
    "merge_commit_sha",
    "completed_by_us",
)


async def ensure_task(project_id: int, asana_gid: str) -> int:
    """The task's id, creating its row (RECEIVED, nothing decided yet) for a new Asana gid."""
    rows = await fetch(
        """
        WITH created AS (
            INSERT INTO tasks (project, asana_gid, title, status, asana_status, auto_enabled,
                               completed_by_us, state, created_at, updated_at)
            VALUES ($1, $2, '', 'RECEIVED', 'ACTIVE', false, false, '{}'::jsonb, now(), now())
            ON CONFLICT (project, asana_gid) DO NOTHING
            RETURNING id
        )
        SELECT id FROM created
        UNION ALL
        SELECT id FROM tasks WHERE project = $1 AND asana_gid = $2
        LIMIT 1
        """,
        project_id,
        asana_gid,
    )
    return rows[0]["id"]


async def lock(task_id: int) -> dict[str, Any] | None:
    """The task row, locked until the caller's transaction ends; with its repo's name."""
    rows = await fetch(
        """
        SELECT t.*, r.full_name AS repo_name
          FROM tasks t LEFT JOIN project_github_repos r ON r.id = t.repo
         WHERE t.id = $1
           FOR UPDATE OF t
        """,
        task_id,
    )
    if not rows:
        return None
    row = rows[0]
    if isinstance(row["state"], str):
        row["state"] = json.loads(row["state"])
    return row


async def get(task_id: int) -> dict[str, Any] | None:
    rows = await fetch(
        """
        SELECT t.*, r.full_name AS repo_name
          FROM tasks t LEFT JOIN project_github_repos r ON r.id = t.repo
         WHERE t.id = $1
        """,
        task_id,
    )
    return rows[0] if rows else None


async def save(
    task_id: int, project_id: int, columns: dict[str, Any], repo: str | None, state: Any
) -> None:
    """Write the decided state: the listed columns, the repo (by name, within the project)
    and the core's state as JSON."""
    names = [name for name in TASK_COLUMNS if name in columns]
    assignments = ", ".join(f"{name} = ${index + 5}" for index, name in enumerate(names))
    await fetch(
        f"""
        UPDATE tasks
           SET {assignments}{", " if assignments else ""}
               repo = (SELECT id FROM project_github_repos
                        WHERE project = $2 AND lower(full_name) = lower($3)),
               state = $4::jsonb,
               updated_at = now()
         WHERE id = $1
        """,  # noqa: S608 - column names come from TASK_COLUMNS only
        task_id,
        project_id,
        repo,
        json.dumps(state),
        *[columns[name] for name in names],
    )


async def add_events(
    task_id: int, project_id: int, events: list[tuple[str, str, dict[str, Any]]]
) -> None:
    """Append timeline events: (source, event_type, ref) each."""
    if not events:
        return
    await fetch(
        """
        INSERT INTO task_events (task, project, source, event_type, ref_json, created_at)
        SELECT $1, $2, e.source, e.event_type, e.ref, clock_timestamp()
          FROM jsonb_to_recordset($3::jsonb) AS e(source varchar, event_type varchar, ref jsonb)
        """,
        task_id,
        project_id,
        json.dumps(
            [{"source": s, "event_type": t, "ref": ref} for s, t, ref in events], default=str
        ),
    )


async def add_taskspec(task_id: int, title: str, body: str) -> int | None:
    """Store a new TaskSpec version when the title or body differ from the latest; returns the
    new version, or None when nothing changed."""
    rows = await fetch(
        """
        WITH latest AS (
            SELECT version, title, body FROM taskspecs WHERE task = $1
             ORDER BY version DESC LIMIT 1
        )
        INSERT INTO taskspecs (task, version, title, body, created_at)
        SELECT $1, coalesce((SELECT version FROM latest), 0) + 1, $2, $3, now()
         WHERE NOT EXISTS (SELECT 1 FROM latest WHERE title = $2 AND body = $3)
        RETURNING version
        """,
        task_id,
        title,
        body,
    )
    return rows[0]["version"] if rows else None


# -- finding the task a GitHub fact is about --------------------------------------------------


async def by_issue(project_id: int, repo: str, issue_numbers: list[int]) -> list[int]:
    """Tasks of the project whose issue, in this repository, has one of these numbers."""
    rows = await fetch(
        """
        SELECT t.id FROM tasks t JOIN project_github_repos r ON r.id = t.repo
         WHERE t.project = $1 AND lower(r.full_name) = lower($2)
           AND t.issue_number = ANY($3::int[])
         ORDER BY t.id
        """,
        project_id,
        repo,
        issue_numbers,
    )
    return [row["id"] for row in rows]


async def by_pull_request(project_id: int, repo: str, pr_number: int) -> list[int]:
    rows = await fetch(
        """
        SELECT t.id FROM tasks t JOIN project_github_repos r ON r.id = t.repo
         WHERE t.project = $1 AND lower(r.full_name) = lower($2) AND t.pr_number = $3
         ORDER BY t.id
        """,
        project_id,
        repo,
        pr_number,
    )
    return [row["id"] for row in rows]


async def by_merge_commit(project_id: int, repo: str, sha: str) -> list[int]:
    rows = await fetch(
        """
        SELECT t.id FROM tasks t JOIN project_github_repos r ON r.id = t.repo
         WHERE t.project = $1 AND lower(r.full_name) = lower($2) AND t.merge_commit_sha = $3
         ORDER BY t.id
        """,
        project_id,
        repo,
        sha,
    )
    return [row["id"] for row in rows]


# -- CI runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CiRunRow:
    repo: str
    head_sha: str
    workflow_id: int
    workflow_name: str
    run_id: int
    run_number: int | None
    attempt: int
    event: str
    status: str
    conclusion: str | None
    url: str


async def record_ci_run(project_id: int, run: CiRunRow) -> bool:
    """Keep the latest attempt (then the latest status) of each workflow on a commit. Returns
    False when the run is older than what is kept (a late or duplicated delivery)."""
    rows = await fetch(
        """
        INSERT INTO ci_runs (project, repo, head_sha, workflow_id, workflow_name, run_id,
                             run_number, attempt, event, status, conclusion, url, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
        ON CONFLICT (project, repo, head_sha, workflow_id) DO UPDATE
           SET run_id = EXCLUDED.run_id, run_number = EXCLUDED.run_number,
               attempt = EXCLUDED.attempt, event = EXCLUDED.event, status = EXCLUDED.status,
               conclusion = EXCLUDED.conclusion, url = EXCLUDED.url,
               workflow_name = EXCLUDED.workflow_name, updated_at = now()
         WHERE (ci_runs.run_id, ci_runs.attempt) <= (EXCLUDED.run_id, EXCLUDED.attempt)
           AND NOT (ci_runs.attempt = EXCLUDED.attempt AND ci_runs.run_id = EXCLUDED.run_id
                    AND ci_runs.status = 'completed' AND EXCLUDED.status <> 'completed')
        RETURNING id
        """,
        project_id,
        run.repo.lower(),
        run.head_sha,
        run.workflow_id,
        run.workflow_name,
        run.run_id,
        run.run_number,
        run.attempt,
        run.event,
        run.status,
        run.conclusion,
        run.url,
    )
    return bool(rows)


async def ci_runs_for(project_id: int, repo: str, sha: str) -> list[CiRunRow]:
    rows = await fetch(
        """
        SELECT repo, head_sha, workflow_id, workflow_name, run_id, run_number, attempt, event,
               status, conclusion, url
          FROM ci_runs WHERE project = $1 AND repo = lower($2) AND head_sha = $3
         ORDER BY workflow_id
        """,
        project_id,
        repo,
        sha,
    )
    return [CiRunRow(**row) for row in rows]
