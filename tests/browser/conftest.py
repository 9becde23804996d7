"""A real web server process and Debian's chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page

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


# -- what every browser test checks on every page ------------------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
STATUS_LOGGED = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


class Console:
    """Errors a page reports: uncaught exceptions, console errors (htmx logs its own errors
    there, e.g. an hx-indicator selector that matches nothing) and htmx error events. An
    answer with an error status is logged by Chromium too; a test that provokes one on
    purpose names its status in `expected_statuses`."""

    def __init__(self, page: Page, expected_statuses: tuple[int, ...] = ()) -> None:
        self.errors: list[str] = []
        self.expected_statuses = set(expected_statuses)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        logged = STATUS_LOGGED.search(message.text)
        if logged and int(logged.group(1)) in self.expected_statuses:
            return
        self.errors.append(f"{message.text} at {message.location}")

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors


# Installed before any page script: htmx error events (htmx:targetError, htmx:swapError,
# htmx:oobErrorNoTarget...) are recorded as console errors even where htmx would not log them.
HTMX_ERROR_HOOK = """
document.addEventListener("DOMContentLoaded", () => {
  for (const name of ["htmx:targetError", "htmx:swapError", "htmx:oobErrorNoTarget",
                      "htmx:onLoadError", "htmx:syntax:error", "htmx:evalDisallowedError"]) {
    document.body.addEventListener(name, (event) => console.error("htmx error event " + name));
  }
});
"""


async def new_page(browser, base_url: str, viewport: dict, **options):
    """A fresh context and page with the console watched; returns (context, page, console)."""
    expected = options.pop("expected_statuses", ())
    context = await browser.new_context(viewport=viewport, base_url=base_url, **options)
    await context.add_init_script(HTMX_ERROR_HOOK)
    page = await context.new_page()
    return context, page, Console(page, expected)


async def wider_than_the_screen(page: Page) -> list[str]:
    """Elements that stick out to the right (a 390-px phone must never scroll sideways), and
    whether the page itself scrolls sideways."""
    return await page.evaluate(
        """() => {
          const wide = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .filter((el) => !el.closest("#toasts, dialog:not([open])"))
            .filter((el) => el.getClientRects().length > 0)
            .map((el) => el.tagName.toLowerCase() + "#" + el.id + "." + el.className);
          if (document.documentElement.scrollWidth > window.innerWidth) wide.push("page scrolls sideways");
          return wide;
        }"""
    )


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on every input, which htmx would copy
    # onto swapped elements against the CSP (a console error caused by the test, not the app).
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")
