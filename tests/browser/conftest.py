"""A real web server process and Debian's chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import INIT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "tests" / "screenshots"
# Flags for a root, offline, headless machine: no sandbox (root), and no background calls to
# Google services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: subprocess.Popen


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def launch_web(database_url: str, tmp_path: Path, **env: str) -> AsyncIterator[LiveServer]:
    """`autoflow web` as a real process on a free port, torn down afterwards."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    environment = dict(
        os.environ,
        DATABASE_URL=database_url,
        AUTOFLOW_DATA_DIR=str(tmp_path / "data"),
        AUTOFLOW_PORT=str(port),
        AUTOFLOW_PUBLIC_URL=url,
        INIT_ADMIN_TOKEN=INIT_TOKEN,
        AUTOFLOW_LOG_LEVEL="WARNING",
        **env,
    )
    with open(tmp_path / "web.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "web"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=log,
        )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                if process.poll() is not None:
                    raise AssertionError((tmp_path / "web.log").read_text())
                try:
                    async with http.get(f"{url}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the web server did not come up")
        yield LiveServer(url, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
async def live_server(database_url: str, tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with launch_web(database_url, tmp_path) as server:
        yield server


@pytest.fixture
async def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: the test command installs it with apt as root")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        await instance.close()
