"""A person's first run, in a real browser, on a phone and on a desktop: set-up, sign-in,
create a project inline, invite someone, sign out, accept the invite."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import new_page, shot, wider_than_the_screen
from tests.conftest import INIT_TOKEN, PASSWORD

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}

pytestmark = pytest.mark.browser


async def _open_section(page: Page, device: str, label: str) -> None:
    if device == "phone":
        await page.locator("details.tabs-compact summary").click()
        await (
            page.locator("details.tabs-compact .menu-panel").get_by_role("link", name=label).click()
        )
    else:
        await page.locator(".tabs").get_by_role("link", name=label).click()


@pytest.mark.parametrize("device", list(VIEWPORTS))
async def test_first_run_from_setup_to_an_accepted_invite(live_server, browser, device):
    context, page, console = await new_page(browser, live_server.url, VIEWPORTS[device])

    # Set-up: the first admin, with the one-time token.
    await page.goto("/")
    await expect(page).to_have_url(f"{live_server.url}/setup")
    await page.get_by_label("Set-up token").fill(INIT_TOKEN)
    await page.get_by_label("Username").fill("ada")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Password again").fill(PASSWORD)
    await shot(page, f"{device}-1-setup")
    await page.get_by_role("button", name="Create admin").click()
    await expect(page).to_have_url(f"{live_server.url}/app")
    await expect(page.locator(".flash")).to_contain_text("Welcome, ada")
    await expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()
    assert await wider_than_the_screen(page) == []

    # A project, created inline by htmx: the list updates in place.
    await page.get_by_label("Name").fill("Payments team")
    await page.get_by_label("Slug").fill("payments")
    await page.get_by_role("button", name="Create project").click()
    await expect(page.locator("#projects .title-link")).to_have_text(["Payments team"])
    await expect(page.locator(".toast")).to_contain_text("Project Payments team created.")
    await expect(page).to_have_url(f"{live_server.url}/app")
    await shot(page, f"{device}-2-projects")

    # Members: an invite link, and a second one revoked through the confirm dialog.
    await page.get_by_role("link", name="Open").click()
    await expect(page).to_have_url(f"{live_server.url}/p/payments")
    await _open_section(page, device, "Members")
    await expect(page).to_have_url(f"{live_server.url}/p/payments/members")
    await page.get_by_label("Role", exact=True).select_option("viewer")
    await page.get_by_role("button", name="Create invite link").click()
    link_field = page.locator("#invite-link")
    await expect(link_field).to_be_visible()
    invite_link = await link_field.input_value()
    assert invite_link.startswith(f"{live_server.url}/invite/")
    await page.get_by_role("button", name="Create invite link").click()
    await expect(page.locator("#members .plain-list li")).to_have_count(2)
    await page.locator("#members .plain-list li").first.get_by_role("button", name="Revoke").click()
    dialog = page.locator("#confirm-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Its link stops working at once.")
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(page.locator("#members .plain-list li")).to_have_count(1)
    await shot(page, f"{device}-3-members")
    assert await wider_than_the_screen(page) == []

    # Sign out from the user menu.
    await page.locator("details.user-menu summary").click()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{live_server.url}/login")
    await expect(page.locator(".flash")).to_have_text("You are signed out.")

    # The invited person creates an account from the link and lands in the project list.
    path = invite_link.removeprefix(live_server.url)
    await page.goto(path)
    await expect(page.get_by_role("heading", name="Join Payments team")).to_be_visible()
    await page.get_by_label("Choose a username").fill("lin")
    await page.get_by_label("Choose a password").fill(PASSWORD)
    await page.get_by_label("Password again").fill(PASSWORD)
    await shot(page, f"{device}-4-invite")
    await page.get_by_role("button", name="Create account and join").click()
    await expect(page).to_have_url(f"{live_server.url}/app")
    await expect(page.locator("#projects .title-link")).to_have_text(["Payments team"])
    await expect(page.locator("#projects .role-viewer")).to_have_text("viewer")
    await shot(page, f"{device}-5-joined")

    console.assert_clean()
    await context.close()
