"""The Tasks tab in a real browser, on a phone and a desktop: filter by status, search, page
through the list and back, open a task, add a note and watch the timeline pick it up from the
worker; no page scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, launch_web
from tests.conftest import PASSWORD
from tests.support.processes import start_worker, stop
from tests.tasks.conftest import EPOCH, add_repos, make_task  # noqa: F401 - fixtures

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

pytestmark = pytest.mark.browser


async def _wider_than_the_screen(page: Page) -> list[str]:
    return await page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .filter((el) => !el.closest("#toasts, dialog:not([open])"))
            .map((el) => el.tagName.toLowerCase() + "." + el.className)"""
    )


async def _unlabelled_controls(page: Page) -> list[str]:
    return await page.evaluate(
        """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
            .map((el) => el.name || el.id)"""
    )


async def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    # What the screen shows first: the full page of a phone is too tall to read at a glance.
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))


@pytest.mark.parametrize("device", list(VIEWPORTS))
async def test_an_admin_filters_pages_opens_a_task_and_adds_a_note(
    database_url,
    tmp_path,
    browser,
    make_user,
    make_project,
    make_task,  # noqa: F811 - the factory fixtures imported above
    add_repos,  # noqa: F811
    device,
):
    owner = await make_user("ada", is_admin=True)
    project = await make_project(owner, slug="shop", name="Shop")
    repos = await add_repos(
        project, "acme/storefront-and-checkout-service", "acme/web", "acme/docs"
    )
    statuses = ["DEPLOYED", "WAITING_CI", "PR_CREATED", "NEEDS_REPO", "RECEIVED"]
    for n in range(29):
        await make_task(
            project,
            f"Routine chore number {n} with a fairly long title that has to wrap on a phone",
            status=statuses[n % len(statuses)],
            repo_id=repos["acme/web"] if n % 2 else None,
            updated_at=EPOCH + dt.timedelta(minutes=n),
        )
    # Blocked in Asana: a hold the core keeps while the note is decided.
    blocked = await make_task(
        project,
        "Fix the checkout total",
        status="BLOCKED",
        repo_id=repos["acme/storefront-and-checkout-service"],
        issue_number=41,
        issue_url="https://github.com/acme/storefront-and-checkout-service/issues/41",
        pr_number=42,
        pr_url="https://github.com/acme/storefront-and-checkout-service/pull/42",
        ci_url="https://github.com/acme/storefront-and-checkout-service/actions/runs/7",
        updated_at=EPOCH + dt.timedelta(hours=2),
        state={"status_reason": "Status is Blocked in Asana"},
    )
    worker = start_worker("tasks", database_url, tmp_path)
    try:
        async with launch_web(database_url, tmp_path) as server:
            context = await browser.new_context(viewport=VIEWPORTS[device], base_url=server.url)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            await page.goto("/login")
            await page.get_by_label("Username").fill("ada")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.goto("/p/shop")
            rows = page.locator("#task-list tbody tr")
            await expect(rows).to_have_count(25)
            assert await _wider_than_the_screen(page) == []
            assert await _unlabelled_controls(page) == []
            await _shot(page, f"{device}-tasks-1-dashboard")

            # Filter by a status: the list and the address bar follow.
            await page.locator(".chip", has=page.locator("input[value=BLOCKED]")).click()
            await expect(rows).to_have_count(1)
            await expect(page).to_have_url(f"{server.url}/p/shop?status=BLOCKED")
            await page.locator(".chip", has=page.locator("input[value=BLOCKED]")).click()
            await expect(rows).to_have_count(25)

            # Search by title, after a pause in typing.
            await page.get_by_label("Search titles").press_sequentially("checkout")
            await expect(rows).to_have_count(1)
            await expect(page).to_have_url(f"{server.url}/p/shop?q=checkout")
            await page.get_by_label("Search titles").fill("")
            await page.get_by_label("Search titles").press("Enter")
            await expect(rows).to_have_count(25)

            # Page on, and back with the browser's back button.
            await page.get_by_role("link", name="Older ›").click()
            await expect(rows).to_have_count(5)
            assert "after=" in page.url
            assert await _wider_than_the_screen(page) == []
            await page.go_back()
            await expect(rows).to_have_count(25)

            # Open the blocked task and add a note; the worker decides it and the timeline,
            # polling by itself, shows it.
            await page.get_by_role("link", name="Fix the checkout total").click()
            await expect(page).to_have_url(f"{server.url}/p/shop/t/{blocked}")
            await expect(page.locator("#task-header .badge")).to_have_text("Blocked")
            assert await _unlabelled_controls(page) == []
            await page.get_by_label("Note").fill(
                "Checked with <b>finance</b>: totals are off by VAT."
            )
            await page.get_by_role("button", name="Add note").click()
            await expect(page.locator(".toast").first).to_contain_text("Note queued")
            note = page.locator("#task-timeline .event-note")
            await expect(note).to_have_text("Checked with <b>finance</b>: totals are off by VAT.")
            await expect(
                page.locator("#task-timeline .event-manual-action .event-source")
            ).to_have_text("User · ada")
            assert await _wider_than_the_screen(page) == []
            await _shot(page, f"{device}-tasks-2-task")
            assert errors == []
            await context.close()
    finally:
        stop(worker)
