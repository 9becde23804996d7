"""Processing recorded webhook deliveries, and keeping the delivery log whole and small.

`process_delivery` takes a delivery id; it is idempotent (a delivery is claimed with a row
lock and processed only while pending), so a duplicate job or a re-run after a crash does no
harm. `enqueue_unqueued_deliveries` is the safety net for the moment between committing a
delivery and enqueueing its job: if the web process died there, the delivery is still pending
without a job, and the sweep enqueues it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from app.db.engine import DB
from app.jobs.retry import DEFAULT_RETRY, MAX_ATTEMPTS, is_retryable
from app.jobs.runtime import worker_settings
from app.services import deliveries

logger = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

PROCESS_TASK = "ingest:process_delivery"
# A delivery recorded this long ago without a job is presumed orphaned by a dead process.
ORPHAN_AFTER = dt.timedelta(seconds=30)

# What processing a delivery means, by (source, event). The pipeline registers its handlers
# here; until then a delivery is recorded and marked processed with what was seen.
Handler = Callable[[dict[str, Any]], Awaitable[str]]
HANDLERS: dict[tuple[str, str], Handler] = {}


async def _record_only(delivery: dict[str, Any]) -> str:
    return "recorded (no pipeline action for this event yet)"


async def enqueue(queue: procrastinate.App, delivery_id: int) -> None:
    """Defer processing of a recorded delivery and remember the job on the row."""
    with contextlib.suppress(AlreadyEnqueued):  # a job for it is already waiting
        job_id = await queue.configure_task(
            PROCESS_TASK, queueing_lock=f"delivery:{delivery_id}"
        ).defer_async(delivery_id=delivery_id)
        await deliveries.attach_job(delivery_id, job_id)


@blueprint.task(name="process_delivery", pass_context=True, retry=DEFAULT_RETRY)
async def process_delivery(context: procrastinate.JobContext, delivery_id: int) -> str | None:
    try:
        async with DB.transaction():
            delivery = await deliveries.claim(delivery_id)
            if delivery is None:
                return None  # done already, or another worker holds it
            handler = HANDLERS.get((delivery["source"], delivery["event"]), _record_only)
            outcome = await handler(delivery)
            await deliveries.finish(delivery_id, "processed", outcome)
            return outcome
    except Exception as error:
        # The transaction rolled back. On the last attempt (or an error retrying cannot fix),
        # keep the failure visible in the health view instead of a silent pending row.
        if context.job.attempts + 1 >= MAX_ATTEMPTS or not is_retryable(error):
            await deliveries.finish(delivery_id, "failed", f"{type(error).__name__}: {error}")
            logger.exception("a delivery failed", extra={"delivery_id": delivery_id})
            return None
        raise


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="enqueue_unqueued_deliveries", pass_context=True, queueing_lock="sweep")
async def enqueue_unqueued_deliveries(context: procrastinate.JobContext, timestamp: int) -> int:
    scheduled = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    orphans = await deliveries.unqueued(scheduled - ORPHAN_AFTER)
    for delivery_id in orphans:
        await enqueue(context.app, delivery_id)
    if orphans:
        logger.warning("enqueued orphaned deliveries", extra={"count": len(orphans)})
    return len(orphans)


@blueprint.periodic(cron="17 3 * * *")
@blueprint.task(name="prune_webhook_history", queueing_lock="prune_webhook_history")
async def prune_webhook_history(timestamp: int) -> dict[str, int]:
    settings = worker_settings()
    return await deliveries.prune(
        dt.datetime.fromtimestamp(timestamp, dt.UTC),
        dt.timedelta(days=settings.webhook_retention_days),
    )
