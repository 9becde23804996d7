"""Settings as the worker process sees them (read once)."""

import functools

from app.settings import Settings


@functools.cache
def worker_settings() -> Settings:
    return Settings.from_env()
