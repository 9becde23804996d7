"""`autoflow demo` as a real process for tests: started on a free port against the test's
database, waited for until it prints its sign-in and answers /healthz, stopped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = re.compile(r"password:\s+(\S+)")
ASANA_URL = re.compile(r"(http://127\.0\.0\.1:\d+/api/1\.0)")
# Generous bound for another process; tests never assert on how long it took.
PATIENCE_SECONDS = 120


@dataclass(frozen=True)
class RunningDemo:
    url: str
    password: str
    log: Path
    process: subprocess.Popen

    def output(self) -> str:
        return self.log.read_text()

    def asana_url(self) -> str:
        found = ASANA_URL.search(self.output())
        assert found, self.output()
        return found.group(1)

    def assert_alive(self) -> None:
        assert self.process.poll() is None, self.output()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def running_demo(database_url: str, tmp_path: Path) -> AsyncIterator[RunningDemo]:
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        AUTOFLOW_DATA_DIR=str(tmp_path / "data"),
        AUTOFLOW_PORT=str(port),
        AUTOFLOW_LOG_LEVEL="WARNING",
    )
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "demo"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        password = None
        async with aiohttp.ClientSession() as http:
            for _ in range(PATIENCE_SECONDS * 10):
                assert process.poll() is None, log.read_text()
                found = PASSWORD.search(log.read_text())
                if found:
                    try:
                        async with http.get(f"{url}/healthz") as response:
                            if response.status == 200:
                                password = found.group(1)
                                break
                    except aiohttp.ClientError:
                        pass
                await asyncio.sleep(0.1)
        assert password, log.read_text()
        yield RunningDemo(url, password, log, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
