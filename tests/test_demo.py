"""`autoflow demo`: its set-up against the sandbox, and the command as a real process."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from app.db import engine
from app.demo import seed_extra_repos, setup_demo
from app.main import create_app
from app.services import integration_readiness as readiness
from app.services import project_config as config
from app.services.projects import get_by_slug
from app.services.secrets import read_secret
from tests.support.web import Visitor, html

ROOT = Path(__file__).resolve().parents[1]


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
async def test_the_demo_command_starts_everything_and_prints_how_to_sign_in(database_url, tmp_path):
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
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "demo"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        password = None
        # unsafe=True: keep cookies from an IP address host (127.0.0.1).
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            for _ in range(600):
                assert process.poll() is None, log.read_text()
                found = re.search(r"password: (\S+)", log.read_text())
                if found:
                    try:
                        async with http.get(f"{url}/healthz") as response:
                            if response.status == 200:
                                password = found.group(1)
                                break
                    except aiohttp.ClientError:
                        pass
                await asyncio.sleep(0.1)
            assert password, log.read_text()
            async with http.get(f"{url}/login") as response:
                token = html(await response.text()).select_one("input[name=csrf_token]")["value"]
            form = {"username": "demo", "password": password, "csrf_token": token}
            async with http.post(f"{url}/login", data=form) as response:
                assert response.status == 200, await response.text()
            async with http.get(f"{url}/p/demo") as response:
                page = html(await response.text())
        badge = page.select_one("#integration-status .badge").get_text(strip=True)
        assert badge == "Configured"
        assert f"{url}/login" in log.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
