"""The pipeline's two jobs: `advance_task` feeds one fact to the core and persists what it
decided; `perform_effect` carries out one planned effect and feeds its result back.

Both run under the task's Procrastinate lock (`task:<id>`): one task's facts and effects go
one at a time, in order, while different tasks run in parallel. Reads from the services happen
before the row lock is taken, effects after it is released: no HTTP under a row lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import procrastinate

from app.db.engine import DB
from app.integrations.errors import IntegrationError
from app.jobs import decisions, defer
from app.jobs.effects import perform
from app.jobs.reads import TaskGone, read_facts
from app.jobs.retry import DEFAULT_RETRY, MAX_ATTEMPTS, is_retryable
from app.jobs.runtime import http_session, worker_settings
from app.pipeline import decide
from app.pipeline.effects import effect_from_json
from app.pipeline.facts import Fact
from app.pipeline.state import TaskState
from app.services import effects as outbox
from app.services import pipeline_rules, tasks
from app.services.project_clients import ProjectClients

logger = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


def clients_for(context: procrastinate.JobContext, project_id: int) -> ProjectClients:
    return ProjectClients(project_id, http_session(context), worker_settings())


async def advance(task_id: int, core_facts: list[Fact]) -> TaskState | None:
    """Decide each fact in turn and persist the decisions, in one transaction holding the
    task's row lock. Database work only."""
    async with DB.transaction():
        row = await tasks.lock(task_id)
        if row is None:
            return None
        state = (
            TaskState.from_json(row["state"])
            if row["state"]
            else TaskState.new(task_id, row["asana_gid"])
        )
        rules = await pipeline_rules.load(row["project"])
        for fact in core_facts:
            decision = decide(state, fact, rules, dt.datetime.now(dt.UTC))
            await decisions.persist(task_id, row["project"], decision)
            state = decision.state
        return state


@blueprint.task(name="advance_task", pass_context=True, retry=DEFAULT_RETRY)
async def advance_task(
    context: procrastinate.JobContext, task_id: int, fact: dict[str, Any]
) -> str:
    task = await tasks.get(task_id)
    if task is None:
        return "the task is gone"
    try:
        core_facts = await read_facts(fact, task, clients_for(context, task["project"]))
    except TaskGone:
        await tasks.add_events(
            task_id,
            task["project"],
            [("asana", "error", {"reason": "the Asana task is gone or hidden from our token"})],
        )
        return "the Asana task is gone"
    except IntegrationError as error:
        if is_retryable(error) and context.job.attempts + 1 < MAX_ATTEMPTS:
            raise
        # A read that cannot succeed (a revoked token, a repo gone): say so on the timeline
        # instead of failing silently; the next fact or a Re-sync reads again.
        await tasks.add_events(
            task_id,
            task["project"],
            [(error.service, "error", {"reason": str(error)[:300], "fact": fact["kind"]})],
        )
        return f"could not read: {error}"
    state = await advance(task_id, core_facts)
    return f"{fact['kind']}: {state.status.value if state else 'no task'}"


@blueprint.task(name="perform_effect", pass_context=True, retry=DEFAULT_RETRY)
async def perform_effect(context: procrastinate.JobContext, effect_id: int) -> str:
    # Counting the try commits before any call: a crash after this point leaves a row that
    # says "may have happened", and the next try looks before it creates.
    row = await outbox.start(effect_id)
    if row is None:
        return "already recorded"
    task = await tasks.get(row.task_id)
    if task is None:
        return "the task is gone"
    effect = effect_from_json(row.payload)
    try:
        result = await perform(
            effect,
            clients_for(context, task["project"]),
            look_first=row.may_have_happened,
            planned_at=row.created_at,
        )
    except IntegrationError as error:
        last_try = context.job.attempts + 1 >= MAX_ATTEMPTS
        if is_retryable(error) and not last_try:
            await outbox.note_error(effect_id, str(error))
            raise
        await _record(
            row,
            "failed",
            None,
            {"kind": "effect.failed", "reason": str(error), "permanent": not is_retryable(error)},
            error=str(error),
        )
        logger.warning(
            "an effect failed",
            extra={"effect_id": effect_id, "kind": effect.kind, "status": error.status},
        )
        return f"failed: {error}"
    await _record(row, "done", result, {"kind": "effect.result", "result": result})
    return f"{effect.kind}: done"


async def _record(
    row: outbox.EffectRow,
    status: str,
    result: dict[str, Any] | None,
    fact: dict[str, Any],
    *,
    error: str | None = None,
) -> None:
    """The outcome and the fact it gives the core commit together: recorded once, fed once."""
    async with DB.transaction():
        if await outbox.finish(row.id, status, result, error):
            fact = {**fact, "key": row.idempotency_key, "effect_kind": row.kind}
            await defer.defer(defer.advance_job(row.task_id, fact))
