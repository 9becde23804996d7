"""Housekeeping that keeps the queue and the auth tables healthy."""

from __future__ import annotations

import datetime as dt
import logging

import procrastinate

from app.auth import sessions, throttle
from app.jobs.retry import DEFAULT_RETRY
from app.jobs.runtime import worker_settings
from app.services.members import delete_spent_invites

logger = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="* * * * *")
@blueprint.task(queueing_lock="requeue_stalled_jobs", pass_context=True, retry=DEFAULT_RETRY)
async def requeue_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> int:
    """Put back in the queue the jobs of workers that stopped sending heartbeats (a worker
    killed with SIGKILL leaves its job in `doing` for ever; Procrastinate does not do this)."""
    settings = worker_settings()
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.stalled_worker_seconds
    )
    count = 0
    for job in stalled:
        if job.id == context.job.id:
            continue
        await manager.retry_job(job)
        count += 1
        logger.warning(
            "re-queued a job of a dead worker", extra={"job_id": job.id, "task": job.task_name}
        )
    return count


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(queueing_lock="delete_expired_auth", retry=DEFAULT_RETRY)
async def delete_expired_auth(timestamp: int) -> dict[str, int]:
    """Delete sessions past their idle or absolute expiry, spent invites and stale throttles."""
    now = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    settings = worker_settings()
    return {
        "sessions": await sessions.delete_expired(now, settings),
        "invites": await delete_spent_invites(now),
        "throttles": await throttle.delete_stale(now),
    }
