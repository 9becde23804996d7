"""Running a queue worker process: the database pool, then Procrastinate's worker loop."""

from __future__ import annotations

import aiohttp
import procrastinate

from app.db import engine
from app.jobs.runtime import HTTP_SESSION
from app.services.secrets import prepare_keyring
from app.settings import Settings

# How often an idle worker looks for jobs besides being notified (seconds). A job deferred while
# another job holds its lock (a task's effect, planned by that task's advance_task) is notified
# before the lock is free; without a short poll it would wait Procrastinate's default 5 s.
FETCH_JOB_POLLING_SECONDS = 0.25


async def run_worker(
    queue: procrastinate.App,
    dsn: str,
    settings: Settings,
    *,
    name: str | None = None,
    concurrency: int = 4,
) -> None:
    """Serve jobs until SIGINT/SIGTERM. Heartbeats let `requeue_stalled_jobs` recover the
    jobs of a worker that died without saying so."""
    engine.configure(dsn)
    await engine.open_pool()
    try:
        await prepare_keyring(settings)
        async with aiohttp.ClientSession() as session, queue.open_async():
            await queue.run_worker_async(
                name=name,
                concurrency=concurrency,
                update_heartbeat_interval=settings.worker_heartbeat_seconds,
                stalled_worker_timeout=settings.stalled_worker_seconds,
                additional_context={HTTP_SESSION: session},
                fetch_job_polling_interval=FETCH_JOB_POLLING_SECONDS,
            )
    finally:
        await engine.close_pool()
