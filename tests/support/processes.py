"""Real worker processes for tests, and patient waiting on what they do."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Generous bound for waiting on another process; tests never assert on how long it took.
PATIENCE_SECONDS = 60


def start_worker(name: str, database_url: str, tmp_path: Path, **env: str) -> subprocess.Popen:
    """`python -m tests.support.worker_process NAME`: our queue plus a test task."""
    environment = dict(os.environ)
    environment.update(
        DATABASE_URL=database_url,
        AUTOFLOW_DATA_DIR=str(tmp_path / "data"),
        AUTOFLOW_WORKER_HEARTBEAT_SECONDS="0.2",
        AUTOFLOW_STALLED_WORKER_SECONDS="1",
        AUTOFLOW_LOG_LEVEL="INFO",
        **env,
    )
    with open(tmp_path / f"worker-{name}.log", "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.support.worker_process", name],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(*processes: subprocess.Popen | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=PATIENCE_SECONDS)


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(PATIENCE_SECONDS * 10):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")
