"""Behind a reverse proxy: X-Forwarded-* are trusted only from AUTOFLOW_PROXY_HOPS proxies, and
an https public URL makes every cookie Secure. Checked over HTTP through the app's test client;
the client address the app saw is read back from the login throttle it feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from app.auth import throttle
from app.main import create_app
from app.settings import Settings, SettingsError
from app.tables import LoginThrottle
from tests.conftest import PASSWORD
from tests.support.web import Visitor, html

PEER = "192.0.2.10"  # the address of whatever opened the TCP connection (Caddy, in production)


@asynccontextmanager
async def browser_for(settings: Settings, **changes) -> AsyncIterator[Visitor]:
    application = create_app(settings.replace(**changes))
    async with application.test_app():
        yield Visitor(application.test_client(), PEER)


async def failed_login(browser: Visitor, headers: dict[str, str]) -> None:
    await browser.get("/login")
    response = await browser.post(
        "/login", {"username": "nobody", "password": PASSWORD}, headers=headers
    )
    assert response.status in (200, 400, 401, 429), response.status


async def throttled_clients() -> set[str]:
    rows = await LoginThrottle.select(LoginThrottle.key)
    return {row["key"] for row in rows if row["key"].startswith("client:")}


async def test_a_forged_x_forwarded_for_is_ignored_when_no_proxy_is_trusted(settings):
    async with browser_for(settings, proxy_hops=0) as browser:
        await failed_login(browser, {"X-Forwarded-For": "203.0.113.66"})
        assert await throttled_clients() == {throttle.client_key(PEER)}


async def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client(settings):
    # A client sent its own X-Forwarded-For; Caddy appended the address it really saw.
    forwarded = "198.51.100.7, 203.0.113.9"
    async with browser_for(settings, proxy_hops=1) as browser:
        await failed_login(browser, {"X-Forwarded-For": forwarded})
        assert await throttled_clients() == {throttle.client_key("203.0.113.9")}


async def test_behind_two_proxies_the_second_address_from_the_right_is_the_client(settings):
    forwarded = "198.51.100.7, 203.0.113.9, 10.0.0.5"
    async with browser_for(settings, proxy_hops=2) as browser:
        await failed_login(browser, {"X-Forwarded-For": forwarded})
        assert await throttled_clients() == {throttle.client_key("203.0.113.9")}


async def same_site_post(browser: Visitor) -> int:
    """A form post whose Origin is the public site, arriving through the proxy."""
    await browser.get("/login")
    response = await browser.post(
        "/login",
        {"username": "nobody", "password": PASSWORD},
        headers={
            "Origin": "https://autoflow.example",
            "X-Forwarded-Host": "autoflow.example",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
        },
    )
    return response.status


async def test_behind_a_trusted_proxy_the_forwarded_host_passes_the_same_site_check(settings):
    async with browser_for(
        settings, proxy_hops=1, public_url="https://autoflow.example"
    ) as browser:
        assert await same_site_post(browser) != 403


async def test_a_forged_x_forwarded_host_does_not_pass_the_same_site_check(settings):
    async with browser_for(settings, proxy_hops=0) as browser:
        assert await same_site_post(browser) == 403


def set_cookies(response, name: str) -> list[str]:
    return [v for v in response.headers.get_all("Set-Cookie") if v.startswith(f"{name}=")]


async def test_over_an_https_public_url_every_cookie_is_secure_and_hsts_is_sent(
    settings, make_user: Callable
):
    user = await make_user()
    async with browser_for(
        settings, proxy_hops=1, public_url="https://autoflow.example"
    ) as browser:
        form = await browser.get("/login")
        state = set_cookies(form, "autoflow_state")
        assert state and all("Secure" in cookie for cookie in state)
        assert form.headers.get("Strict-Transport-Security", "").startswith("max-age=")

        response = await browser.post("/login", {"username": user.username, "password": PASSWORD})
        assert response.status == 303
        session = set_cookies(response, "autoflow_session")
        assert session and all("Secure" in cookie for cookie in session)


async def test_over_plain_http_no_cookie_is_marked_secure(settings):
    async with browser_for(settings, public_url="http://127.0.0.1:8000") as browser:
        form = await browser.get("/login")
        state = set_cookies(form, "autoflow_state")
        assert state and not any("Secure" in cookie for cookie in state)
        assert "Strict-Transport-Security" not in form.headers


async def test_webhook_urls_come_from_the_public_url_whatever_host_a_request_names(
    settings, make_user: Callable, make_project: Callable
):
    owner = await make_user(is_admin=True)
    project = await make_project(owner, slug="acme")
    async with browser_for(
        settings, proxy_hops=1, public_url="https://autoflow.example"
    ) as browser:
        assert (await browser.login(owner.username, PASSWORD)).status == 303
        response = await browser.client.get(
            "/p/acme/webhooks",
            headers={"X-Forwarded-Host": "elsewhere.example", "X-Forwarded-Proto": "http"},
            scope_base=browser.scope,
        )
        assert response.status_code == 200
        page = html(await response.get_data(as_text=True))
    base = "https://autoflow.example/webhooks"
    assert page.select_one("#github-url")["value"] == f"{base}/github/{project.id}"
    assert page.select_one("#asana-url")["value"].startswith(f"{base}/asana/{project.id}?")


def test_a_negative_number_of_proxy_hops_stops_the_process_at_start():
    with pytest.raises(SettingsError, match="AUTOFLOW_PROXY_HOPS"):
        Settings.from_env({"AUTOFLOW_PROXY_HOPS": "-1"})
