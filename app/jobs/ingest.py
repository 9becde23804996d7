"""Processing recorded webhook deliveries, and keeping the delivery log whole and small.

A delivery and its `process_delivery` job are committed in one statement by the receiver, so
an acknowledged delivery always has a job. The job is idempotent (a delivery is claimed with a
row lock and processed only while pending): a duplicate job or a re-run after a crash does no
harm. `enqueue_orphaned_deliveries` re-enqueues any pending delivery whose job is gone.
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
from app.jobs import routing
from app.jobs.defer import PROCESS_DELIVERY
from app.jobs.retry import DEFAULT_RETRY, MAX_ATTEMPTS, is_retryable
from app.jobs.runtime import worker_settings
from app.services import deliveries

logger = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

PROCESS_TASK = PROCESS_DELIVERY
# Only deliveries at least this old are checked for a missing job.
ORPHAN_AFTER = dt.timedelta(seconds=30)

# What processing a delivery means, by (source, event). A handler runs inside the claim
# transaction: it only turns the delivery into a fact and queues `advance_task` for its task
# (app/jobs/routing.py), with no outbound HTTP while the delivery's row is locked. Any other
# delivery is recorded and marked processed with what was seen.
Handler = Callable[[dict[str, Any]], Awaitable[str]]
HANDLERS: dict[tuple[str, str], Handler] = {}
routing.register(HANDLERS)


async def _record_only(delivery: dict[str, Any]) -> str:
    return "recorded (no pipeline action for this event yet)"


async def enqueue(queue: procrastinate.App, delivery_id: int) -> None:
    """Defer processing of a recorded delivery again."""
    with contextlib.suppress(AlreadyEnqueued):  # a job for it is already waiting
        await queue.configure_task(
            PROCESS_TASK, queueing_lock=f"delivery:{delivery_id}"
        ).defer_async(delivery_id=delivery_id)


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
@blueprint.task(name="enqueue_orphaned_deliveries", pass_context=True, queueing_lock="sweep")
async def enqueue_orphaned_deliveries(context: procrastinate.JobContext, timestamp: int) -> int:
    scheduled = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    orphans = await deliveries.without_live_job(scheduled - ORPHAN_AFTER)
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
