"""What jobs share inside a worker process: its settings (read once) and its one HTTP session.

The session is opened by `run_worker` and reaches jobs through Procrastinate's job context
(`additional_context`), so every client call of a worker reuses one connection pool and no job
opens a session of its own.
"""

from __future__ import annotations

import functools

import aiohttp
import procrastinate

from app.settings import Settings

HTTP_SESSION = "http_session"


@functools.cache
def worker_settings() -> Settings:
    return Settings.from_env()


def http_session(context: procrastinate.JobContext) -> aiohttp.ClientSession:
    """The worker's shared session; a worker started without one is a set-up error."""
    session = (context.additional_context or {}).get(HTTP_SESSION)
    if session is None:
        raise RuntimeError("this worker has no HTTP session: start it with `autoflow worker`")
    return session
