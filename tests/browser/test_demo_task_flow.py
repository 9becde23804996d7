"""What a newcomer does first on the demo: create a task in the UI and watch it travel to
DEPLOYED on its page, with no reload and nothing else pressed (the sandbox's autopilot plays the
agent, the merge and CI)."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, new_page, shot, wider_than_the_screen
from tests.support.demo_process import PATIENCE_SECONDS, running_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_task_created_in_the_ui_reaches_deployed_on_its_page_without_a_reload(
    database_url, tmp_path, browser
):
    async with running_demo(database_url, tmp_path) as demo:
        context, page, console = await new_page(browser, demo.url, DESKTOP)
        await page.goto("/login")
        await page.get_by_label("Username").fill("demo")
        await page.get_by_label("Password").fill(demo.password)
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
