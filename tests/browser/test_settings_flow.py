"""An admin sets a project up in a real browser against the sandbox, on a phone and a desktop:
tokens, the Asana pickers, repositories, the webhook secret, a knowledge note; the project ends
"Configured" and no page scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.demo import seed_extra_repos
from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN
from tests.browser.conftest import launch_web, new_page, shot, wider_than_the_screen
from tests.conftest import PASSWORD

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", list(VIEWPORTS))
async def test_an_admin_configures_a_project_against_the_sandbox(
    database_url, tmp_path, sandbox, browser, make_user, make_project, device
):
    seed_extra_repos(sandbox)
    seed = sandbox.seed
    owner = await make_user("ada", is_admin=True)
    await make_project(owner, slug="payments", name="Payments")
    async with launch_web(
        database_url,
        tmp_path,
        AUTOFLOW_ASANA_API_URL=sandbox.asana.base_url,
        AUTOFLOW_GITHUB_API_URL=sandbox.github.base_url,
    ) as server:
        context, page, console = await new_page(browser, server.url, VIEWPORTS[device])

        await page.goto("/login")
        await page.get_by_label("Username").fill("ada")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.goto("/p/payments")
        await expect(page.locator("#integration-status .badge")).to_have_text("Incomplete")
        if device == "phone":
            await page.locator("details.tabs-compact summary").click()
            await (
                page.locator("details.tabs-compact .menu-panel")
                .get_by_role("link", name="Settings")
                .click()
            )
        else:
            await page.locator(".tabs").get_by_role("link", name="Settings").click()
        await expect(page).to_have_url(f"{server.url}/p/payments/settings")
        assert await wider_than_the_screen(page) == []

        # Tokens: checked with the sandbox, then shown masked.
        for name, label, token in (
            ("asana_pat", "New asana personal access token", ASANA_TOKEN),
            ("github_token", "New github token", GITHUB_TOKEN),
        ):
            row = page.locator(f"#secret-{name}")
            await row.get_by_role("link", name="Set").click()
            await page.get_by_label(label).fill(token)
            await page.locator(f"#secret-{name}").get_by_role("button", name="Save").click()
            await expect(page.locator(f"#secret-{name} .secret-mask")).to_have_text("••••oken")
        await (
            page.locator("#secret-asana_pat").get_by_role("button", name="Test connection").click()
        )
        await expect(page.locator("#test-asana_pat")).to_contain_text("Sandbox Admin")

        # Asana: every gid picked from lists fetched live.
        asana = page.locator("#asana")
        await (
            asana.locator("#asana-workspace").get_by_role("button", name="Pick from Asana").click()
        )
        await page.locator("select#f-workspace_gid").select_option(seed.workspace_gid)
        await asana.locator("#asana-projects").get_by_role("button", name="Pick from Asana").click()
        await page.get_by_role("checkbox", name="Auto-Flow Demo").check()
        await asana.get_by_role("button", name="Load fields from Asana").click()
        await page.locator("select#f-autotask_field_gid").select_option(seed.autotask_field_gid)
        await page.locator("select#f-autotask_on_option_gid").select_option(seed.autotask_yes_gid)
        await page.locator("select#f-repo_field_gid").select_option(seed.repo_field_gid)
        await page.locator("select#f-status_field_gid").select_option(seed.status_field_gid)
        assert await wider_than_the_screen(page) == []
        await asana.get_by_role("button", name="Save Asana settings").click()
        await expect(page.locator(".toast").last).to_contain_text("Asana settings saved.")

        # Repositories, checked with GitHub.
        for index, repo in enumerate([seed.repo, "sandbox-org/api", "sandbox-org/web"]):
            await page.locator(f"#f-repo-{index}").fill(repo)
        await page.get_by_role("button", name="Save repositories").click()
        await expect(page.locator(".toast").last).to_contain_text("Repositories saved.")
        await expect(page.locator("#integration-status .badge")).to_have_text("Configured")

        # The webhook secret: generated and shown once with a copy button.
        await (
            page.locator("#secret-github_webhook_secret")
            .get_by_role("button", name="Generate")
            .click()
        )
        await expect(page.locator("#generated-secret")).to_be_visible()
        await expect(page.get_by_role("button", name="Copy secret")).to_be_visible()
        await shot(page, f"{device}-settings")
        assert await wider_than_the_screen(page) == []

        # A knowledge note, rendered from markdown.
        await page.goto("/p/payments/knowledge")
        await page.locator("#notes summary").click()
        notes = page.locator("#notes")
        await notes.get_by_label("Title").fill("Conventions")
        await notes.get_by_label("Note").fill("Use **ruff** before every commit.")
        await notes.get_by_role("button", name="Add note").click()
        await expect(page.locator("#notes .markdown strong")).to_have_text("ruff")
        await shot(page, f"{device}-knowledge")
        assert await wider_than_the_screen(page) == []

        await page.goto("/app")
        await expect(page.locator("#projects .row-meta .badge").first).to_have_text("Configured")
        console.assert_clean()
        await context.close()
