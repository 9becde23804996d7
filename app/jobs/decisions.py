"""Persisting what the core decided, inside the transaction that holds the task's row lock:
the state (and the columns pages read), the timeline, a new TaskSpec version, one outbox row
per new effect with its `perform_effect` job, and the Reread* effects as `advance_task` jobs.
"""

from __future__ import annotations

from typing import Any

from app.db.engine import fetch
from app.jobs import defer
from app.pipeline import effects as fx
from app.pipeline.decide import Decision
from app.pipeline.state import TaskState
from app.services import effects as outbox
from app.services import tasks


def perform_job(task_id: int, effect_id: int) -> defer.Job:
    # The task's lock: its effects run one at a time, in the order planned, between its facts.
    return defer.Job(defer.PERFORM_EFFECT, {"effect_id": effect_id}, lock=defer.task_lock(task_id))


def advance_job(task_id: int, fact: dict[str, Any]) -> defer.Job:
    return defer.Job(
        defer.ADVANCE_TASK, {"task_id": task_id, "fact": fact}, lock=defer.task_lock(task_id)
    )


def columns(state: TaskState) -> dict[str, Any]:
    """The task row's columns, from the core's state."""
    on_merge = state.ci_on(state.merge_sha)
    shown = next((run for run in on_merge if run.red), None) or next(iter(on_merge), None)
    return {
        "title": state.title,
        "status": state.status.value,
        "asana_status": state.asana_status.value,
        "auto_enabled": state.auto_enabled,
        "issue_number": state.issue_number,
        "issue_url": state.issue_url,
        "pr_number": state.pr_number,
        "pr_url": state.pr_url,
        "ci_url": shown.url if shown else None,
        "merge_commit_sha": state.merge_sha,
        "completed_by_us": state.completed_by_us,
    }


async def persist(task_id: int, project_id: int, decision: Decision) -> list[int]:
    """Write one decision; returns the ids of the outbox rows it planned (new ones only)."""
    state = decision.state
    await tasks.save(task_id, project_id, columns(state), state.repo, state.to_json())
    await tasks.add_events(
        task_id,
        project_id,
        [(e.source.value, e.event_type.value, e.ref) for e in decision.events],
    )
    if decision.taskspec is not None:
        spec = decision.taskspec
        await fetch(
            """
            INSERT INTO taskspecs (task, version, title, body, created_at)
            VALUES ($1, $2, $3, $4, now())
            ON CONFLICT (task, version) DO NOTHING
            """,
            task_id,
            spec.version,
            spec.title,
            spec.notes,
        )
    rereads = [e for e in decision.effects if e.kind in fx.REREADS]
    planned = [e for e in decision.effects if e.kind not in fx.REREADS]
    new_ids = await outbox.plan(
        task_id, [(e.idempotency_key, e.kind, e.to_json()) for e in planned]
    )
    rearmed = await _rearm(task_id, decision.rearm)
    jobs = [defer.perform_job(task_id, effect_id) for effect_id in [*new_ids, *rearmed]]
    # A re-read is safe to repeat and never recorded: it is a fact waiting to be read.
    jobs += [defer.advance_job(task_id, {"kind": "reread", "effect": e.to_json()}) for e in rereads]
    await defer.defer(*jobs)
    return new_ids


async def _rearm(task_id: int, keys: tuple[str, ...]) -> list[int]:
    """Failed effects someone asked to retry go back to planned (their attempts are kept, so
    a create that may have happened is still looked for first)."""
    if not keys:
        return []
    rows = await fetch(
        """
        UPDATE task_effects SET status = 'planned', done_at = NULL
         WHERE task = $1 AND idempotency_key = ANY($2::varchar[]) AND status = 'failed'
        RETURNING id
        """,
        task_id,
        list(keys),
    )
    return sorted(row["id"] for row in rows)
