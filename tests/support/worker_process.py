"""A real worker process for tests: Auto-Flow's queue plus one test task that can be held
mid-job. Run as `python -m tests.support.worker_process NAME` with DATABASE_URL set."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import procrastinate

from app.jobs.queue import build
from app.jobs.worker import run_worker
from app.settings import Settings

blueprint = procrastinate.Blueprint()


@blueprint.task(name="hold")
async def hold(folder: str) -> None:
    """Record which worker started it; finish once `release` exists in the folder."""
    here = Path(folder)
    worker = os.environ["TEST_WORKER_NAME"]
    (here / f"started-by-{worker}").write_text(str(os.getpid()))
    while not (here / "release").exists():
        await asyncio.sleep(0.05)
    (here / f"finished-by-{worker}").write_text(str(os.getpid()))


def build_test_queue(dsn: str) -> procrastinate.App:
    queue = build(dsn)
    queue.add_tasks_from(blueprint, namespace="test")
    return queue


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(name)s %(message)s")
    dsn = settings.database_url
    assert dsn, "DATABASE_URL must be set"
    os.environ["TEST_WORKER_NAME"] = sys.argv[1]
    asyncio.run(run_worker(build_test_queue(dsn), dsn, settings, name=sys.argv[1]))


if __name__ == "__main__":
    main()
