"""What a newcomer does first on the demo: create a task in the UI and watch it travel to
DEPLOYED on its page, with no reload and nothing else pressed (the sandbox's autopilot plays the
agent, the merge and CI)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, new_page, shot, wider_than_the_screen
from tests.test_demo import _free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD_LINE = re.compile(r"password:\s+(\S+)")
# Generous bounds for another process; the test never asserts on how long anything took.
PATIENCE_SECONDS = 120

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_task_created_in_the_ui_reaches_deployed_on_its_page_without_a_reload(
    database_url, tmp_path, browser
):
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        AUTOFLOW_DATA_DIR=str(tmp_path / "data"),
        AUTOFLOW_PORT=str(port),
        AUTOFLOW_LOG_LEVEL="WARNING",
    )
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "demo"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        password = None
        for _ in range(PATIENCE_SECONDS * 10):
            assert demo.poll() is None, log.read_text()
            found = PASSWORD_LINE.search(log.read_text())
            if found:
                password = found.group(1)
                break
            await asyncio.sleep(0.1)
        assert password, log.read_text()
        base_url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            for _ in range(PATIENCE_SECONDS * 10):
                assert demo.poll() is None, log.read_text()
                try:
                    async with http.get(f"{base_url}/healthz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

        context, page, console = await new_page(browser, base_url, DESKTOP)
        await page.goto("/login")
        await page.get_by_label("Username").fill("demo")
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/app")
        await page.goto("/p/demo")

        await page.locator("#task-create > summary").click()
        await page.locator("#new-title").fill("Say hello from the demo")
        await page.locator("#new-notes").fill("Print a friendly greeting.")
        await page.get_by_role("button", name="Create in Asana").click()

        link = page.get_by_role("link", name="Say hello from the demo")
        for _ in range(PATIENCE_SECONDS):
            if await link.count():
                break
            await asyncio.sleep(1)
            await page.goto("/p/demo")  # the list: the task page below must not need this
        await link.first.click()
        await page.wait_for_url(re.compile(r"/p/demo/t/\d+$"))

        # From here on, no reload: the header and timeline refresh themselves.
        badge = page.locator("#task-header .badge").first
        await expect(badge).to_have_attribute("title", "DEPLOYED", timeout=PATIENCE_SECONDS * 1000)
        # Issue, pull request and CI are all linked by then.
        header = page.locator("#task-header")
        await expect(header).not_to_contain_text("not yet")
        await expect(header).not_to_contain_text("no run yet")
        await shot(page, "demo-task-deployed")
        assert await wider_than_the_screen(page) == []
        console.assert_clean()
        await context.close()
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
