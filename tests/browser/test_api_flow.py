"""The API page in a real browser against a real server: an admin creates a token (shown once),
a script uses it over real HTTP, the admin revokes it through the confirm dialog and the script
is refused; nothing scrolls sideways on a phone."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import expect

from app.db import engine
from tests.browser.conftest import SCREENSHOTS, launch_web
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]
)
async def test_an_admin_creates_uses_and_revokes_a_token(
    database_url, tmp_path, browser, make_user, make_project, viewport
):
    await engine.open_pool()
    owner = await make_user("owner", is_admin=True)
    await make_project(owner, slug="acme", name="Acme")
    await engine.close_pool()

    async with launch_web(database_url, tmp_path) as server:
        context = await browser.new_context(viewport=viewport, base_url=server.url)
        page = await context.new_page()
        await page.goto("/login")
        await page.get_by_label("Username").fill("owner")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.goto("/p/acme/api")

        await page.get_by_label("New token's name").fill("deploy script")
        await page.get_by_role("button", name="Create token").click()
        token = await page.locator("#created-token").input_value()
        assert token.startswith("afp_")
        await expect(page.locator("#api-tokens .token-name")).to_have_text("deploy script")
        overflow = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(
            path=str(SCREENSHOTS / f"api-{viewport['width']}.png"), full_page=True
        )
        assert overflow

        url = f"{server.url}/api/v1/projects/acme/links"
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as http:
            body = {"url": "https://docs.example", "title": "Docs"}
            async with http.post(url, json=body, headers=headers) as response:
                assert response.status == 201

            await page.get_by_role("button", name="Revoke").click()
            dialog = page.locator("#confirm-dialog")
            await expect(dialog).to_contain_text("deploy script")
            await dialog.get_by_role("button", name="Confirm").click()
            await expect(page.locator("#api-tokens .token-row.revoked")).to_have_count(1)

            async with http.get(url, headers=headers) as response:
                assert response.status == 401
                assert (await response.json())["error"]["code"] == "unauthorized"
        await context.close()
