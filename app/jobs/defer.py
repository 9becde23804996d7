"""Deferring jobs inside the caller's database transaction, through Procrastinate's own SQL.

Procrastinate's `defer_async` uses its own connection, so a job deferred that way commits
whether or not the caller's transaction does. The pipeline needs the opposite: a delivery and
its job, a transition and its effects' jobs, an effect's result and the fact it feeds back all
commit together or not at all. `procrastinate_defer_jobs_v1` is the SQL function Procrastinate's
`defer` itself calls (see piccolo_migrations/sql/procrastinate_3.10.0_schema.sql), so the rows
are exactly those `defer_async` would write.

Task names live here (not beside the tasks) so that services can defer without importing the
job modules.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from app.db.engine import DB, fetch

QUEUE = "default"

PROCESS_DELIVERY = "ingest:process_delivery"
ADVANCE_TASK = "pipeline:advance_task"
PERFORM_EFFECT = "pipeline:perform_effect"
IMPORT_ASANA_TASKS = "pipeline:import_asana_tasks"
SET_UP_PROJECT_HOOKS = "pipeline:set_up_project_hooks"


def task_lock(task_id: int) -> str:
    """One task's jobs run one at a time, in the order they were deferred."""
    return f"task:{task_id}"


@dataclass(frozen=True)
class Job:
    task_name: str
    args: dict[str, Any] = field(default_factory=dict)
    lock: str | None = None
    queueing_lock: str | None = None
    queue: str = QUEUE


def advance_job(task_id: int, fact: dict[str, Any], *, queueing_lock: str | None = None) -> Job:
    """Feed one fact (a JSON envelope, see app/jobs/reads.py) to the task's core."""
    return Job(
        ADVANCE_TASK,
        {"task_id": task_id, "fact": fact},
        lock=task_lock(task_id),
        queueing_lock=queueing_lock,
    )


def perform_job(task_id: int, effect_id: int) -> Job:
    """Perform one outbox row; under the task's lock, so a task's effects run one at a time,
    in the order planned, between its facts."""
    return Job(PERFORM_EFFECT, {"effect_id": effect_id}, lock=task_lock(task_id))


# One statement for any number of jobs: the jobs travel as one JSON array.
_DEFER_MANY = """
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW(j.queue, j.task_name, 0, j.lock, j.queueing_lock, j.args, NULL)
               ::procrastinate_job_to_defer_v1
      FROM jsonb_to_recordset($1::jsonb)
           AS j(queue varchar, task_name varchar, lock text, queueing_lock text, args jsonb)
))) AS job_id
"""


async def defer(*jobs: Job) -> list[int]:
    """Defer jobs on the current transaction's connection (the pool's when there is none).
    Returns their ids. A queueing lock already taken fails the statement (and so the caller's
    transaction), as Procrastinate's own defer does."""
    if not jobs:
        return []
    rows = await fetch(
        _DEFER_MANY,
        json.dumps(
            [
                {
                    "queue": job.queue,
                    "task_name": job.task_name,
                    "lock": job.lock,
                    "queueing_lock": job.queueing_lock,
                    "args": job.args,
                }
                for job in jobs
            ]
        ),
    )
    return [row["job_id"] for row in rows]


async def defer_unless_queued(job: Job) -> bool:
    """Defer a job with a queueing lock unless one holding that lock still waits; False when
    one does. Needs a transaction: a concurrent defer that wins the race is absorbed by a
    savepoint instead of failing the caller's transaction."""
    transaction = DB.current_transaction.get()
    if transaction is None or job.queueing_lock is None:
        raise RuntimeError("defer_unless_queued needs a transaction and a queueing lock")
    waiting = await fetch(
        "SELECT 1 FROM procrastinate_jobs WHERE queueing_lock = $1 AND status = 'todo'",
        job.queueing_lock,
    )
    if waiting:
        return False
    with contextlib.suppress(asyncpg.UniqueViolationError):
        async with transaction.connection.transaction():  # a savepoint
            await defer(job)
            return True
    return False


def defer_one_sql(task_name: str, args_sql: str, queueing_lock_sql: str = "NULL") -> str:
    """The SQL expression deferring one job, for embedding in a larger statement (the
    webhook receiver's record-and-enqueue CTE). Its arguments are SQL expressions, built from
    constants and column references only, never from input."""
    return (
        "(procrastinate_defer_jobs_v1(ARRAY[ROW("
        f"'{QUEUE}', '{task_name}', 0, NULL, {queueing_lock_sql}, {args_sql}, NULL"
        ")::procrastinate_job_to_defer_v1]))[1]"
    )
