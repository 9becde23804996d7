"""Signing in and out, the one-time first admin, sessions and their expiry, throttling."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth import throttle
from app.tables import LoginThrottle, Project, Session, User
from tests.conftest import INIT_TOKEN, PASSWORD


def _setup_form(token: str = INIT_TOKEN, username: str = "ada", password: str = PASSWORD):
    return {
        "token": token,
        "username": username,
        "password": password,
        "password_confirm": password,
    }


async def test_the_first_admin_is_created_with_the_init_token_and_signed_in(visitor):
    browser = visitor()
    assert (await browser.get("/")).location == "/setup"
    await browser.get("/setup")

    response = await browser.post("/setup", _setup_form())

    assert response.status == 303 and response.location == "/app"
    home = await browser.get("/app")
    assert home.status == 200
    assert home.texts(".user-menu summary") == ["A ada"]
    admin = await User.select(User.username, User.is_admin).first()
    assert admin == {"username": "ada", "is_admin": True}


async def test_setup_says_where_the_token_comes_from(visitor):
    page = await visitor().get("/setup")
    hint = page.texts("#h-token")[0]
    assert "printed on the console by “autoflow run”" in hint.lower()
    assert "INIT_ADMIN_TOKEN" in hint


async def test_the_init_token_works_only_once(visitor):
    first = visitor()
    await first.get("/setup")
    await first.post("/setup", _setup_form())

    second = visitor()
    page = await second.get("/setup")
    assert page.status == 410
    assert "Set-up is complete" in page.texts("h1")
    refused = await second.post("/setup", _setup_form(username="mallory"))
    assert refused.status == 410
    assert await User.count() == 1


async def test_a_wrong_init_token_is_refused_and_creates_nobody(visitor):
    browser = visitor()
    await browser.get("/setup")
    response = await browser.post("/setup", _setup_form(token="guess"))
    assert response.status == 403
    assert response.texts(".form-error") == ["That set-up token is not right."]
    assert await User.count() == 0


async def test_without_an_init_token_setup_explains_the_alternatives(app, visitor):
    app.config["AUTOFLOW_SETTINGS"] = app.config["AUTOFLOW_SETTINGS"].replace(init_admin_token=None)
    browser = visitor()
    page = await browser.get("/setup")
    assert page.status == 200
    assert page.select_one("form[action='/setup']") is None
    assert ".venv/bin/autoflow create-admin" in page.select_one("pre.code").text
    refused = await browser.post("/setup", _setup_form())
    assert refused.status == 403 and await User.count() == 0


async def test_setup_refuses_a_weak_password_and_mismatched_confirmation(visitor):
    browser = visitor()
    await browser.get("/setup")
    weak = await browser.post("/setup", _setup_form(password="short"))
    assert weak.status == 400 and "at least 10" in weak.texts(".form-error")[0]
    form = _setup_form()
    form["password_confirm"] = "something else entirely"
    mismatch = await browser.post("/setup", form)
    assert mismatch.status == 400 and mismatch.texts(".form-error") == ["The two passwords differ."]
    assert await User.count() == 0


async def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(visitor, make_user):
    await make_user("grace")
    unknown = await visitor().login("nobody", PASSWORD)
    wrong = await visitor().login("grace", "not the password")
    assert unknown.status == wrong.status == 401
    assert (
        unknown.texts(".form-error")
        == wrong.texts(".form-error")
        == ["Wrong username or password."]
    )


async def test_login_returns_to_the_page_that_asked_for_it(visitor, make_user):
    user = await make_user()
    browser = visitor()
    bounced = await browser.get("/app?x=1")
    assert bounced.status == 302 and bounced.location == "/login?next=%2Fapp%3Fx%3D1"
    form = await browser.get(bounced.location)
    assert form.select_one("input[name=next]")["value"] == "/app?x=1"
    response = await browser.post(
        "/login", {"username": user.username, "password": PASSWORD, "next": "/app?x=1"}
    )
    assert response.location == "/app?x=1"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
async def test_login_never_redirects_off_site(visitor, make_user, target):
    user = await make_user()
    browser = visitor()
    await browser.get("/login")
    response = await browser.post(
        "/login", {"username": user.username, "password": PASSWORD, "next": target}
    )
    assert response.location == "/app"


async def test_the_session_cookie_is_httponly_and_lax_and_only_a_digest_is_stored(
    visitor, make_user
):
    user = await make_user()
    browser = visitor()
    response = await browser.login(user.username, PASSWORD)
    cookie = next(
        v for v in response.headers.get_all("Set-Cookie") if v.startswith("autoflow_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    token = browser.cookie("autoflow_session")
    stored = await Session.select(Session.token_hash).first()
    assert token and stored["token_hash"] != token and len(stored["token_hash"]) == 64


async def test_the_session_cookie_is_secure_behind_https(app, visitor, make_user):
    app.config["AUTOFLOW_SETTINGS"] = app.config["AUTOFLOW_SETTINGS"].replace(
        public_url="https://autoflow.example"
    )
    user = await make_user()
    response = await visitor().login(user.username, PASSWORD)
    cookie = next(
        v for v in response.headers.get_all("Set-Cookie") if v.startswith("autoflow_session=")
    )
    assert "Secure" in cookie


async def test_signing_in_again_rotates_the_session(visitor, make_user):
    user = await make_user()
    browser = visitor()
    await browser.login(user.username, PASSWORD)
    old = browser.cookie("autoflow_session")
    await browser.login(user.username, PASSWORD)
    new = browser.cookie("autoflow_session")
    assert new and new != old
    assert await Session.count() == 1

    stale = visitor()
    stale.client.set_cookie("localhost", "autoflow_session", old)
    assert (await stale.get("/app")).status == 302


async def test_logout_ends_the_session_for_good(visitor, make_user):
    user = await make_user()
    browser = visitor()
    await browser.login(user.username, PASSWORD)
    token = browser.cookie("autoflow_session")
    response = await browser.post("/logout")
    assert response.status == 303 and response.location == "/login"
    assert await Session.count() == 0
    replay = visitor()
    replay.client.set_cookie("localhost", "autoflow_session", token)
    assert (await replay.get("/app")).status == 302


@pytest.mark.parametrize("column", ["expires_at", "last_seen_at"])
async def test_an_expired_session_goes_to_login_and_then_back(visitor, make_user, column):
    user = await make_user()
    browser = visitor()
    await browser.login(user.username, PASSWORD)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    await Session.update({getattr(Session, column): long_ago}, force=True)

    bounced = await browser.get("/app?page=2")
    assert bounced.status == 302 and bounced.location == "/login?next=%2Fapp%3Fpage%3D2"
    assert await Session.count() == 0
    form = await browser.get(bounced.location)
    again = await browser.post(
        "/login",
        {
            "username": user.username,
            "password": PASSWORD,
            "next": form.select_one("input[name=next]")["value"],
        },
    )
    assert again.location == "/app?page=2"


async def test_an_htmx_request_with_an_expired_session_is_sent_to_login(visitor, make_user):
    user = await make_user()
    browser = visitor()
    await browser.login(user.username, PASSWORD)
    await Session.delete(force=True)
    response = await browser.get("/partials/projects", htmx=True)
    assert response.status == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


async def test_a_form_posted_after_the_session_ended_goes_to_sign_in_and_back(visitor, make_user):
    admin = await make_user(is_admin=True)
    browser = visitor()
    await browser.login(admin.username, PASSWORD)
    await browser.get("/app")
    await Session.delete(force=True)
    by_htmx = await browser.post(
        "/partials/projects",
        {"slug": "late", "name": "Late"},
        htmx=True,
        headers={"HX-Current-URL": "http://localhost/app?page=2"},
    )
    assert by_htmx.status == 401
    assert by_htmx.headers["HX-Redirect"] == "/login?next=%2Fapp%3Fpage%3D2"
    plain = await browser.post(
        "/app/projects",
        {"slug": "late", "name": "Late"},
        headers={"Referer": "http://localhost/app"},
    )
    assert plain.status == 303 and plain.location == "/login?next=%2Fapp"
    assert await Project.count() == 0
    login = await browser.get("/login?next=%2Fapp")
    assert "Your session has ended" in login.texts(".flash")[0]
    assert "stale form token" not in login.text


async def test_a_stale_token_with_a_live_session_reloads_the_page_it_came_from(visitor, make_user):
    admin = await make_user(is_admin=True)
    browser = visitor()
    await browser.login(admin.username, PASSWORD)
    response = await browser.post(
        "/partials/projects",
        {"slug": "stale", "name": "Stale"},
        csrf=False,
        htmx=True,
        headers={"X-CSRF-Token": "from-an-old-page", "HX-Current-URL": "http://localhost/app"},
    )
    assert response.status == 409 and response.headers["HX-Redirect"] == "/app"
    assert await Project.count() == 0
    page = await browser.get("/app")
    assert page.texts(".flash") == [
        "This page was out of date, so nothing was saved. It has been reloaded: try again."
    ]


async def test_repeated_failures_throttle_the_account_but_only_briefly(visitor, make_user):
    user = await make_user()
    browser = visitor()
    for _ in range(throttle.ACCOUNT_FREE_FAILURES):
        assert (await browser.login(user.username, "wrong password")).status == 401
    blocked = await browser.login(user.username, PASSWORD)
    assert blocked.status == 429
    assert "Too many failed attempts" in blocked.texts(".form-error")[0]

    # Many more failures still never lock the real user out for longer than the cap.
    for _ in range(10):
        await throttle.record_failure(
            [throttle.account_key(user.username)], dt.datetime.now(dt.UTC)
        )
    row = (
        await LoginThrottle.select(LoginThrottle.blocked_until)
        .where(LoginThrottle.key == throttle.account_key(user.username))
        .first()
    )
    assert row["blocked_until"] - dt.datetime.now(dt.UTC) <= throttle.ACCOUNT_MAX_BLOCK

    await LoginThrottle.update({LoginThrottle.blocked_until: None}, force=True)
    assert (await browser.login(user.username, PASSWORD)).status == 303


async def test_a_client_that_keeps_failing_is_blocked_across_accounts(visitor, make_user):
    user = await make_user()
    now = dt.datetime.now(dt.UTC)
    for _ in range(throttle.CLIENT_FREE_FAILURES):
        await throttle.record_failure([throttle.client_key("203.0.113.9")], now)
    assert (await visitor("203.0.113.9").login(user.username, PASSWORD)).status == 429
    assert (await visitor("198.51.100.7").login(user.username, PASSWORD)).status == 303


async def test_a_form_post_without_a_valid_csrf_token_is_refused(visitor, make_user):
    user = await make_user()
    browser = visitor()
    await browser.get("/login")
    missing = await browser.post(
        "/login", {"username": user.username, "password": PASSWORD}, csrf=False
    )
    # Nothing is done; the person is sent back to sign in (not shown a bare refusal).
    assert missing.status == 303 and missing.location.startswith("/login")
    forged = await browser.post(
        "/login", {"username": user.username, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status == 303 and forged.location.startswith("/login")
    assert await Session.count() == 0


async def test_a_signed_in_post_needs_the_session_token_not_the_anonymous_one(visitor, make_user):
    admin = await make_user(is_admin=True)
    browser = visitor()
    await browser.get("/login")
    anonymous_token = browser.csrf
    await browser.login(admin.username, PASSWORD)
    refused = await browser.post(
        "/app/projects",
        {"slug": "x", "name": "X", "csrf_token": anonymous_token},
        headers={"Referer": "http://localhost/app"},
    )
    # Refused, and sent back to the page it came from to try again with a fresh token.
    assert refused.status == 303 and refused.location == "/app"
    assert await Project.count() == 0
    by_header = await browser.post(
        "/partials/projects",
        {"slug": "via-header", "name": "Via header"},
        csrf=False,
        htmx=True,
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert by_header.status == 200


async def test_a_cross_site_origin_is_refused_even_with_a_token(visitor, make_user):
    admin = await make_user(is_admin=True)
    browser = visitor()
    await browser.login(admin.username, PASSWORD)
    response = await browser.post(
        "/app/projects",
        {"slug": "evil", "name": "Evil"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403


async def test_pages_carry_security_headers(visitor):
    response = await visitor().get("/login")
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
