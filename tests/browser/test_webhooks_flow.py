"""Webhooks end to end against the sandbox, in a real browser and a real server: set up Asana
webhooks (the handshake reaches our server while Asana's create call waits), receive a task
change, validate GitHub hooks and create the missing one, which GitHub pings."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from app.db import engine
from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN
from app.services import project_config_input, project_config_writes, secrets
from app.tables import AsanaWebhook, WebhookDelivery
from tests.browser.conftest import launch_web, new_page, shot, wider_than_the_screen
from tests.conftest import PASSWORD
from tests.support.processes import until

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]
)
async def test_setting_up_and_receiving_webhooks_from_the_sandbox(
    sandbox, database_url, settings, tmp_path, browser, make_user, make_project, viewport
):
    seed = sandbox.seed
    await engine.open_pool()
    await secrets.prepare_keyring(settings)  # the server shares this data dir and key
    owner = await make_user("owner", is_admin=True)
    project = await make_project(owner, slug="demo", name="Demo")
    await project_config_writes.save_asana_config(
        project.id,
        project_config_input.AsanaInput(
            workspace_gid=seed.workspace_gid,
            project_gids=[seed.project_gid],
            autotask_field_gid=None,
            autotask_on_option_gid=None,
            repo_field_gid=None,
            status_field_gid=None,
        ),
    )
    await project_config_writes.save_repos(
        project.id, [seed.repo, "sandbox-org/other", "sandbox-org/third"]
    )
    await secrets.write_secret(project.id, "asana_pat", ASANA_TOKEN)
    await secrets.write_secret(project.id, "github_token", GITHUB_TOKEN)
    await secrets.write_secret(project.id, "github_webhook_secret", "whsec-e2e-0123456789")
    await engine.close_pool()

    async with launch_web(
        database_url,
        tmp_path,
        AUTOFLOW_ASANA_API_URL=sandbox.asana.base_url,
        AUTOFLOW_GITHUB_API_URL=sandbox.github.base_url,
    ) as server:
        context, page, console = await new_page(browser, server.url, viewport)
        await page.goto("/login")
        await page.get_by_label("Username").fill("owner")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.goto("/p/demo/webhooks")

        # Asana: one click; the handshake completes while Asana's create call waits.
        await page.get_by_role("button", name="Set up Asana webhooks").click()
        await expect(page.locator("#asana-hooks td[data-label=State]")).to_have_text("active")
        await expect(page.locator("#asana-hooks .results")).to_contain_text("handshake completed")
        stored = await AsanaWebhook.select(
            AsanaWebhook.secret_ciphertext, AsanaWebhook.webhook_gid
        ).first()
        assert stored["secret_ciphertext"] and stored["webhook_gid"]

        # A person edits the task in Asana: the signed, compact event is recorded.
        task = sandbox.asana.world.add_task(seed.project_gid, "Export CSV")
        sandbox.asana.edit_task(task.gid, by_user_gid=seed.asana_person_gid, name="Export CSV v2")
        await sandbox.settle()

        async def recorded() -> bool:
            return await WebhookDelivery.count().where(WebhookDelivery.source == "asana") > 0

        await until(recorded, "the Asana event to be recorded")

        # GitHub: validation finds no hook on the demo repo; create it; GitHub pings us.
        await page.get_by_role("button", name="Validate GitHub webhooks").click()
        demo_row = page.locator("#github-hooks tbody tr").filter(has_text=seed.repo)
        await expect(demo_row.locator(".badge")).to_have_text("missing")
        await demo_row.get_by_role("button", name="Create webhook").click()
        await expect(demo_row.locator(".badge")).to_have_text("ok")
        await sandbox.settle()

        async def pinged() -> bool:
            return await WebhookDelivery.count().where(WebhookDelivery.event == "ping") == 1

        await until(pinged, "GitHub's ping to be recorded")
        await page.reload()
        health = page.locator("#webhook-health tbody tr").filter(has_text=f"GitHub {seed.repo}")
        await expect(health.locator(".badge")).to_have_text("healthy")
        asana_health = page.locator("#webhook-health tbody tr").filter(has_text="Asana")
        await expect(asana_health.locator(".badge")).to_have_text("healthy")
        # Asana projects are named, their gids secondary.
        await expect(page.locator("#asana-hooks td[data-label='Asana project'] .gid")).to_have_text(
            seed.project_gid
        )
        await shot(page, f"webhooks-{viewport['width']}")
        assert await wider_than_the_screen(page) == []
        console.assert_clean()
        await context.close()
    await asyncio.sleep(0)
