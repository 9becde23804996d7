"""What a newcomer meets on a phone (390 x 844), light and dark, with a configured project:
no page and no picker scrolls sideways, no console error, one loading convention, menus that
close, touch targets of 44 px, errors said once, and an ended session that comes back."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest
from playwright.async_api import Page, expect

from app.db import engine
from app.demo import EXTRA_REPOS, seed_extra_repos
from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN
from app.services import knowledge, members, project_config_input, project_config_writes, secrets
from app.services.projects import Role
from app.tables import Session
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    launch_web,
    new_page,
    shot,
    wider_than_the_screen,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LONG_URL = "https://docs.example.com/" + "a-very-long-path-segment-without-breaks-" * 4


@pytest.fixture
async def configured(sandbox, settings, make_user, make_project):
    """An admin and a project set up against the sandbox, with names stored for its gids, a
    long link, a contact and a pending invite."""
    seed_extra_repos(sandbox)
    seed = sandbox.seed
    await engine.open_pool()
    await secrets.prepare_keyring(settings)  # the server shares this data dir and key
    owner = await make_user("ada", is_admin=True)
    project = await make_project(owner, slug="payments", name="Payments")
    data = project_config_input.AsanaInput(
        workspace_gid=seed.workspace_gid,
        project_gids=[seed.project_gid],
        autotask_field_gid=seed.autotask_field_gid,
        autotask_on_option_gid=seed.autotask_yes_gid,
        repo_field_gid=seed.repo_field_gid,
        status_field_gid=seed.status_field_gid,
    )
    names = {
        seed.workspace_gid: "Sandbox workspace",
        seed.project_gid: "Auto-Flow Demo",
        seed.autotask_field_gid: "AutoTask",
        seed.autotask_yes_gid: "Yes",
        seed.repo_field_gid: "Repo",
        seed.status_field_gid: "Status",
    }
    await project_config_writes.save_asana_config(project.id, data, names)
    await project_config_writes.save_repos(project.id, [seed.repo, *EXTRA_REPOS])
    await secrets.write_secret(project.id, "asana_pat", ASANA_TOKEN)
    await secrets.write_secret(project.id, "github_token", GITHUB_TOKEN)
    await secrets.write_secret(project.id, "github_webhook_secret", "whsec-phone-0123456789")
    await knowledge.add_link(
        project.id, {"kind": "docs", "title": "Runbook", "url": LONG_URL, "tags": "ops, oncall"}
    )
    await knowledge.add_contact(
        project.id, {"role": "Owner", "name": "Grace Hopper", "handle": "grace@example.com"}
    )
    invite = await members.create_invite(project.id, Role.EDITOR, owner.id)
    viewer = await make_user("vera")
    await members.accept_as_existing_user(
        await members.create_invite(project.id, Role.VIEWER, owner.id), viewer.id
    )
    await engine.close_pool()
    return {"seed": seed, "invite": invite}


@contextlib.asynccontextmanager
async def _server(database_url, tmp_path, sandbox):
    async with launch_web(
        database_url,
        tmp_path,
        AUTOFLOW_ASANA_API_URL=sandbox.asana.base_url,
        AUTOFLOW_GITHUB_API_URL=sandbox.github.base_url,
    ) as server:
        yield server


async def _sign_in(page: Page, next_path: str = "", username: str = "ada") -> None:
    await page.goto(f"/login?next={next_path}" if next_path else "/login")
    await _fits(page, "sign-in")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def _fits(page: Page, where: str) -> None:
    wide = await wider_than_the_screen(page)
    if wide:
        await shot(page, "overflow-" + re.sub(r"\W+", "-", where))
    assert wide == [], (where, wide)


class Held:
    """Requests to URLs containing `part` wait until released: the moment in between is what
    a person on a slow line sees."""

    def __init__(self, page: Page, part: str) -> None:
        self.page, self.part = page, part
        self.release = asyncio.Event()
        self.seen = asyncio.Event()

    async def _handle(self, route) -> None:
        self.seen.set()
        await self.release.wait()
        await route.continue_()

    async def __aenter__(self) -> Held:
        await self.page.route(lambda url: self.part in url, self._handle)
        return self

    async def __aexit__(self, *exc) -> None:
        self.release.set()
        await self.page.unroute(lambda url: self.part in url)


async def _busy(page: Page, selector_or_locator) -> None:
    control = (
        page.locator(selector_or_locator)
        if isinstance(selector_or_locator, str)
        else selector_or_locator
    )
    await expect(control).to_have_attribute("aria-busy", "true")
    await expect(control).to_be_disabled()


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_no_page_and_no_picker_scrolls_sideways_on_a_phone(
    configured, database_url, tmp_path, sandbox, browser, scheme
):
    seed = configured["seed"]
    async with _server(database_url, tmp_path, sandbox) as server:
        context, page, console = await new_page(
            browser, server.url, PHONE, color_scheme=scheme, expected_statuses=(404,)
        )
        # Before signing in: the invite and sign-in pages.
        await page.goto(f"/invite/{configured['invite']}")
        await _fits(page, "invite")
        await shot(page, f"phone-{scheme}-invite")
        await _sign_in(page)
        await expect(page).to_have_url(f"{server.url}/app")

        for path in ("/app", "/p/payments", "/p/payments/webhooks", "/p/payments/api"):
            await page.goto(path)
            await _fits(page, path)
        await page.goto("/p/payments/knowledge")
        await _fits(page, "knowledge")
        await page.goto("/p/payments/members")
        await _fits(page, "members")
        await shot(page, f"phone-{scheme}-members")
        await page.goto("/p/nowhere")
        await _fits(page, "404")

        await page.goto("/p/payments/settings")
        await _fits(page, "settings")
        await shot(page, f"phone-{scheme}-settings-before")
        # The admin's form names what is stored before any picker is loaded.
        await expect(page.locator("#f-workspace_gid option:checked")).to_have_text(
            f"Sandbox workspace · {seed.workspace_gid}"
        )
        await expect(page.locator("#asana-projects .check .name")).to_have_text(["Auto-Flow Demo"])
        # The section index jumps to each section.
        await page.locator(".section-index").get_by_role("link", name="Contacts").click()
        await expect(page).to_have_url(f"{server.url}/p/payments/settings#contacts")
        await expect(page.locator("#contacts")).to_be_in_viewport()

        asana = page.locator("#asana")
        await asana.locator("#asana-workspace").get_by_role("button", name="Change").click()
        await expect(asana.locator("#asana-workspace button")).to_have_count(0)
        await _fits(page, "after picking workspaces")
        await asana.locator("#asana-projects").get_by_role("button", name="Pick from Asana").click()
        await expect(asana.locator("#asana-projects button")).to_have_count(0)
        await expect(page.get_by_role("checkbox", name="Auto-Flow Demo")).to_be_checked()
        await _fits(page, "after picking projects")
        # The checkbox sits right next to its name.
        box = await page.get_by_role("checkbox", name="Auto-Flow Demo").bounding_box()
        name = await page.locator("#asana-projects .check .name").first.bounding_box()
        assert 0 <= name["x"] - (box["x"] + box["width"]) <= 16
        await asana.get_by_role("button", name="Load fields from Asana").click()
        await expect(asana.get_by_role("button", name="Load fields from Asana")).to_have_count(0)
        await _fits(page, "after loading fields")
        await page.get_by_role("button", name="Load Status options from Asana").click()
        await expect(page.locator("#status-map select").first).to_be_visible()
        await _fits(page, "after loading status options")
        await page.get_by_role("button", name="Load Repo options from Asana").click()
        await expect(page.locator("#repo-map select").first).to_be_visible()
        await _fits(page, "after loading repo options")
        await page.locator("#secret-asana_pat").get_by_role("link", name="Replace").click()
        await expect(page.locator("#f-asana_pat")).to_be_visible()
        await _fits(page, "replacing a token")
        await page.locator("#links").get_by_role("link", name="Edit").click()
        await expect(page.locator("#links").get_by_role("link", name="Cancel")).to_be_visible()
        await _fits(page, "editing a link")
        await shot(page, f"phone-{scheme}-settings-pickers")
        # Token rows keep their labels on one or two lines, not four.
        for row in await page.locator(".secret-row > .grow strong").all():
            line = await row.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight)")
            assert (await row.bounding_box())["height"] <= 2 * line + 1
        console.assert_clean()
        await context.close()


async def test_a_viewer_on_a_phone_reads_names_and_nothing_scrolls_sideways(
    configured, database_url, tmp_path, sandbox, browser
):
    seed = configured["seed"]
    async with _server(database_url, tmp_path, sandbox) as server:
        context, page, console = await new_page(browser, server.url, PHONE, color_scheme="dark")
        await _sign_in(page, "/p/payments/settings", username="vera")
        await expect(page).to_have_url(f"{server.url}/p/payments/settings")
        await _fits(page, "settings, read-only")
        facts = page.locator("#asana dl.facts")
        await expect(facts.locator(".named .name").first).to_have_text("Sandbox workspace")
        await expect(facts.locator(".named .gid").first).to_have_text(seed.workspace_gid)
        for path in ("/p/payments/webhooks", "/p/payments/knowledge", "/p/payments/members"):
            await page.goto(path)
            await _fits(page, f"{path}, read-only")
        await shot(page, "phone-dark-viewer-members")
        console.assert_clean()
        await context.close()


async def test_every_page_fits_a_desktop_too(configured, database_url, tmp_path, sandbox, browser):
    async with _server(database_url, tmp_path, sandbox) as server:
        for scheme in ("light", "dark"):
            context, page, console = await new_page(
                browser, server.url, DESKTOP, color_scheme=scheme
            )
            await _sign_in(page)
            for path in ("/app", "/p/payments/settings", "/p/payments/webhooks"):
                await page.goto(path)
                await _fits(page, path)
            await page.goto("/p/payments/settings")
            await (
                page.locator("#asana-projects")
                .get_by_role("button", name="Pick from Asana")
                .click()
            )
            await expect(page.locator("#asana-projects button")).to_have_count(0)
            await shot(page, f"desktop-{scheme}-settings")
            console.assert_clean()
            await context.close()


async def test_every_action_disables_its_control_and_spins_until_the_answer(
    configured, database_url, tmp_path, sandbox, browser
):
    async with _server(database_url, tmp_path, sandbox) as server:
        context, page, console = await new_page(browser, server.url, PHONE)
        await _sign_in(page, "/p/payments/settings")
        await expect(page).to_have_url(f"{server.url}/p/payments/settings")

        # A picker.
        pick = page.locator("#asana-projects").get_by_role("button", name="Pick from Asana")
        async with Held(page, "/asana/pick/projects") as held:
            await pick.click()
            await held.seen.wait()
            await _busy(page, pick)
        await expect(page.locator("#asana-projects button")).to_have_count(0)

        # Generate, after the confirm dialog.
        generate = page.locator("#secret-github_webhook_secret").get_by_role(
            "button", name="Generate"
        )
        async with Held(page, "/generate") as held:
            await generate.click()
            await page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
            await held.seen.wait()
            await _busy(page, generate)
        await expect(page.locator("#generated-secret")).to_be_visible()

        # A confirmed Delete.
        delete = page.locator("#contacts").get_by_role("button", name="Delete")
        async with Held(page, "/delete") as held:
            await delete.click()
            await page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
            await held.seen.wait()
            await _busy(page, delete)
        await expect(page.locator("#contacts")).to_contain_text("No contacts yet")

        # A Cancel link is a control too (and names no selector that matches nothing).
        await page.locator("#links").get_by_role("link", name="Edit").click()
        cancel = page.locator("#links").get_by_role("link", name="Cancel")
        async with Held(page, "/partials/p/payments/links") as held:
            await cancel.click()
            await held.seen.wait()
            await expect(cancel).to_have_attribute("aria-busy", "true")
        await expect(page.locator("#links").get_by_role("link", name="Edit")).to_be_visible()

        # Changing section on a phone: the menu closes at once and progress shows.
        await page.locator("details.tabs-compact summary").click()
        async with Held(page, "/p/payments/webhooks") as held:
            await (
                page.locator("details.tabs-compact .menu-panel")
                .get_by_role("link", name="Webhooks")
                .click()
            )
            await held.seen.wait()
            await expect(page.locator("details.tabs-compact")).not_to_have_attribute("open", "")
            await expect(page.locator("html")).to_have_class(re.compile("is-navigating"))
        await expect(page).to_have_url(f"{server.url}/p/payments/webhooks")
        await expect(page.locator("html")).not_to_have_class(re.compile("is-navigating"))
        # Back: the page comes back as it was left, nothing busy, no menu open.
        await page.go_back()
        await expect(page).to_have_url(f"{server.url}/p/payments/settings")
        await expect(page.locator("h1")).to_have_text("Settings")
        await expect(page.locator("[aria-busy=true]")).to_have_count(0)
        await expect(page.locator("details.menu[open]")).to_have_count(0)

        # Plain markup check: no page names hx-indicator or hx-disabled-elt any more (the
        # convention lives in app.js), so no selector can match nothing.
        for path in ("/p/payments/settings", "/p/payments/webhooks", "/p/payments/members"):
            await page.goto(path)
            assert await page.locator("[hx-indicator], [hx-disabled-elt]").count() == 0, path
        console.assert_clean()
        await context.close()


async def test_menus_close_with_escape_and_a_tap_outside_and_targets_are_44_px(
    configured, database_url, tmp_path, sandbox, browser
):
    async with _server(database_url, tmp_path, sandbox) as server:
        context, page, console = await new_page(
            browser, server.url, PHONE, has_touch=True, is_mobile=True
        )
        await _sign_in(page, "/p/payments/settings")
        await expect(page).to_have_url(f"{server.url}/p/payments/settings")
        assert await page.evaluate("matchMedia('(pointer: coarse)').matches")

        menu = page.locator("details.user-menu")
        await menu.locator("summary").click()
        await expect(menu).to_have_attribute("open", "")
        await page.keyboard.press("Escape")
        await expect(menu).not_to_have_attribute("open", "")
        await expect(menu.locator("summary")).to_be_focused()

        sections = page.locator("details.tabs-compact")
        await sections.locator("summary").click()
        await expect(sections).to_have_attribute("open", "")
        await page.locator("h1").click()
        await expect(sections).not_to_have_attribute("open", "")

        small = await page.evaluate(
            """() => [...document.querySelectorAll(
                  ".button, .menu > summary, .brand, .section-index a, .check")]
                .filter((el) => el.getClientRects().length > 0)
                .filter((el) => el.getBoundingClientRect().height < 44)
                .map((el) => el.textContent.trim().slice(0, 30) + " "
                     + Math.round(el.getBoundingClientRect().height))"""
        )
        assert small == []
        await shot(page, "phone-touch-settings")
        console.assert_clean()
        await context.close()


async def test_an_error_is_said_once_in_plain_words_with_the_detail_one_click_away(
    configured, database_url, tmp_path, sandbox, browser
):
    async with _server(database_url, tmp_path, sandbox) as server:
        context, page, console = await new_page(
            browser, server.url, PHONE, expected_statuses=(404, 422)
        )
        await _sign_in(page, "/p/payments/settings")
        await expect(page).to_have_url(f"{server.url}/p/payments/settings")
        del sandbox.asana.world.tokens[ASANA_TOKEN]  # revoked in Asana

        await page.locator("#asana-projects").get_by_role("button", name="Pick from Asana").click()
        error = page.locator("#e-asana_project_gids")
        await expect(error).to_have_text(
            "Asana rejected the token: it is mistyped, expired or revoked. "
            "Create a new one in Asana and replace it here."
        )
        await expect(page.get_by_text("Asana rejected the token")).to_have_count(1)
        await expect(page.locator(".toast")).to_have_count(0)
        detail = page.locator("#asana-projects details.error-detail")
        await expect(detail.locator("code")).not_to_be_visible()
        await detail.locator("summary").click()
        await expect(detail.locator("code")).to_contain_text("401")
        await _fits(page, "an error with its detail")
        await shot(page, "phone-error-said-once")

        # Test connection: the same, by the token.
        await (
            page.locator("#secret-asana_pat").get_by_role("button", name="Test connection").click()
        )
        await expect(page.locator("#test-asana_pat .form-error")).to_have_count(1)
        await expect(page.locator(".toast")).to_have_count(0)

        # An answer htmx does not swap (the contact is already gone): one sentence, inline,
        # next to the button; no toast.
        await engine.open_pool()
        from app.tables import ProjectContact

        await ProjectContact.delete(force=True)
        await engine.close_pool()
        await page.locator("#contacts").get_by_role("button", name="Delete").click()
        await page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
        inline = page.locator("#contacts .inline-error")
        await expect(inline).to_have_count(1)
        await expect(inline.locator("p")).to_have_text(
            "Not found. The page does not exist, or it belongs to a project you are not a "
            "member of."
        )
        await expect(page.locator(".toast")).to_have_count(0)
        await expect(page.locator("#contacts").get_by_role("button", name="Delete")).to_be_enabled()

        # Moving to a page that fails shows the server's error page, not a half-swapped one.
        await page.evaluate(
            """() => {
                const link = document.createElement("a");
                link.href = "/p/nowhere"; link.id = "gone"; link.textContent = "Gone";
                document.querySelector("main").append(link);
                htmx.process(link);
            }"""
        )
        await page.locator("#gone").click()
        await expect(page).to_have_url(f"{server.url}/p/nowhere")
        await expect(page.locator("h1")).to_have_text("Not found")
        # Only the failed answers themselves were logged (htmx reports each one it does not
        # swap); nothing else went wrong on the page.
        assert all(e.startswith("Response Status Error Code 404") for e in console.errors), (
            console.errors
        )
        await context.close()


async def test_an_ended_session_on_a_form_post_signs_in_and_comes_back(
    configured, database_url, tmp_path, sandbox, browser
):
    async with _server(database_url, tmp_path, sandbox) as server:
        context, page, console = await new_page(
            browser, server.url, PHONE, expected_statuses=(401,)
        )
        await _sign_in(page, "/p/payments/knowledge")
        await expect(page).to_have_url(f"{server.url}/p/payments/knowledge")
        await engine.open_pool()
        await Session.delete(force=True)  # expired, or signed out elsewhere
        await engine.close_pool()

        await page.locator("#notes summary").click()
        await page.locator("#notes").get_by_label("Title").fill("Too late")
        await page.locator("#notes").get_by_label("Note").fill("Written after the session ended.")
        await page.locator("#notes").get_by_role("button", name="Add note").click()
        await expect(page).to_have_url(f"{server.url}/login?next=%2Fp%2Fpayments%2Fknowledge")
        await expect(page.locator(".flash")).to_have_text(
            "Your session has ended. Sign in to continue where you were."
        )
        await expect(page.get_by_text("stale form token")).to_have_count(0)
        await shot(page, "phone-session-ended")
        await page.get_by_label("Username").fill("ada")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(f"{server.url}/p/payments/knowledge")
        console.assert_clean()
        await context.close()
