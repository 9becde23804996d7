"""`autoflow demo`: its set-up against the sandbox, and the command as a real process."""

from __future__ import annotations

import aiohttp
import pytest

from app.db import engine
from app.demo import seed_extra_repos, setup_demo
from app.main import create_app
from app.services import integration_readiness as readiness
from app.services import project_config as config
from app.services.projects import get_by_slug
from app.services.secrets import read_secret
from tests.support.demo_process import running_demo
from tests.support.web import Visitor, html


async def test_the_demo_set_up_configures_a_project_against_the_sandbox(db, settings, sandbox):
    seed_extra_repos(sandbox)
    demo_settings = settings.replace(
        asana_api_url=sandbox.asana.base_url, github_api_url=sandbox.github.base_url
    )
    login = await setup_demo(demo_settings, sandbox.seed)
    project = await get_by_slug(login.slug)
    status = await readiness.integration_status(project["id"])
    assert status.state == "configured", status.summary
    assert await config.asana_project_gids(project["id"]) == [sandbox.seed.project_gid]
    assert (await config.github_repos(project["id"]))[0] == sandbox.seed.repo
    assert await read_secret(project["id"], "github_webhook_secret")

    # A second start (a new sandbox world) resets the password and rewrites the settings.
    again = await setup_demo(demo_settings, sandbox.seed)
    assert again.password != login.password

    await engine.close_pool()  # the app opens its own
    app = create_app(demo_settings)
    async with app.test_app():
        browser = Visitor(app.test_client())
        assert (await browser.login(again.username, again.password)).status == 303
        page = await browser.get("/p/demo")
        assert page.texts("#integration-status .badge") == ["Configured"]


@pytest.mark.slow
async def test_the_demo_command_starts_everything_and_prints_how_to_sign_in(database_url, tmp_path):
    async with running_demo(database_url, tmp_path) as demo:
        # unsafe=True: keep cookies from an IP address host (127.0.0.1).
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{demo.url}/login") as response:
                token = html(await response.text()).select_one("input[name=csrf_token]")["value"]
            form = {"username": "demo", "password": demo.password, "csrf_token": token}
            async with http.post(f"{demo.url}/login", data=form) as response:
                assert response.status == 200, await response.text()
            async with http.get(f"{demo.url}/p/demo") as response:
                page = html(await response.text())
        badge = page.select_one("#integration-status .badge").get_text(strip=True)
        assert badge == "Configured"
        assert f"{demo.url}/login" in demo.output()
