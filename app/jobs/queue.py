"""The Procrastinate app: every job and periodic task of Auto-Flow.

Workers run `autoflow worker` (or `procrastinate --app=app.jobs.queue.app worker` against
DATABASE_URL). Web processes only defer jobs, through the app `open_queue()` returns.
"""

from __future__ import annotations

import procrastinate

from app.db import engine
from app.db.engine import database_dsn
from app.jobs import hooks, imports, ingest, maintenance, pipeline, task_requests
from app.settings import Settings


def build(dsn: str) -> procrastinate.App:
    queue = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))
    queue.add_tasks_from(maintenance.blueprint, namespace="maintenance")
    queue.add_tasks_from(ingest.blueprint, namespace="ingest")
    queue.add_tasks_from(pipeline.blueprint, namespace="pipeline")
    queue.add_tasks_from(imports.blueprint, namespace="pipeline")
    queue.add_tasks_from(hooks.blueprint, namespace="pipeline")
    queue.add_tasks_from(task_requests.blueprint, namespace="tasks")
    return queue


async def open_queue(dsn: str) -> procrastinate.App:
    queue = build(dsn)
    await queue.open_async()
    return queue


def __getattr__(name: str) -> procrastinate.App:
    # The procrastinate CLI imports `app.jobs.queue.app`; built on first access so importing
    # this module does not read the environment.
    if name == "app":
        dsn = database_dsn(Settings.from_env())
        # Jobs query through Piccolo; without `autoflow worker` to open a pool, each query
        # opens its own connection.
        engine.configure(dsn)
        queue = build(dsn)
        globals()["app"] = queue
        return queue
    raise AttributeError(name)
