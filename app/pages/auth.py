"""Sign-in, sign-out, the one-time first-admin set-up, and accepting invites."""

from __future__ import annotations

import datetime as dt

from quart import Blueprint, Response, current_app, g, redirect, request

from app.auth import sessions, throttle
from app.auth.secrets import digest, same
from app.services import members, users
from app.services.members import InviteState, MemberProblem
from app.services.users import AccountProblem
from app.settings import Settings
from app.web.guards import safe_next
from app.web.render import notice, page
from app.web.security import set_session_cookie

blueprint = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Wrong username or password."


def _settings() -> Settings:
    return current_app.config["AUTOFLOW_SETTINGS"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _signed_in(user_id: int, target: str) -> Response:
    token = await sessions.start(
        user_id, _settings(), replacing=request.cookies.get(sessions.COOKIE_NAME)
    )
    response = redirect(target, 303)
    set_session_cookie(response, token, _settings())
    g.drop_session_cookie = False
    return response


@blueprint.get("/")
async def home() -> Response:
    if g.session is not None:
        return redirect("/app")
    if await users.user_count() == 0:
        return redirect("/setup")
    return redirect("/login")


@blueprint.get("/login")
async def login_form() -> Response:
    if g.session is not None:
        return redirect(safe_next(request.args.get("next")))
    return await page("login.html", next=safe_next(request.args.get("next")), username="")


@blueprint.post("/login")
async def login() -> Response:
    form = await request.form
    username = form.get("username", "")[:200]
    password = form.get("password", "")[:1024]
    target = safe_next(form.get("next"))
    # The long-blocking client key first: a blocked client uses up nobody's account attempts.
    client, account = throttle.client_key(request.remote_addr), throttle.account_key(username)
    wait = await throttle.attempt([client, account], _now())
    if wait:
        return await page(
            "login.html",
            status=429,
            next=target,
            username=username,
            error=f"Too many failed attempts. Try again in {wait} seconds.",
        )
    user = await users.authenticate(username, password)
    if user is None:
        return await page(
            "login.html", status=401, next=target, username=username, error=WRONG_CREDENTIALS
        )
    await throttle.clear(account)
    await throttle.forgive(client)
    return await _signed_in(user.id, target)


@blueprint.post("/logout")
async def logout() -> Response:
    token = request.cookies.get(sessions.COOKIE_NAME)
    if token:
        await sessions.end(token)
    g.session = None
    await notice("You are signed out.")
    response = redirect("/login", 303)
    response.delete_cookie(sessions.COOKIE_NAME)
    return response


@blueprint.get("/setup")
async def setup_form() -> Response:
    if await users.user_count() > 0:
        return await page("setup_done.html", status=410)
    return await page(
        "setup.html", token_configured=bool(_settings().init_admin_token), username=""
    )


@blueprint.post("/setup")
async def setup() -> Response:
    if await users.user_count() > 0:
        return await page("setup_done.html", status=410)
    form = await request.form
    username = form.get("username", "")
    configured = _settings().init_admin_token
    keys = [throttle.client_key(request.remote_addr)]

    async def again(error: str, status: int) -> Response:
        return await page(
            "setup.html",
            status=status,
            token_configured=bool(configured),
            username=username,
            error=error,
        )

    wait = await throttle.attempt(keys, _now())
    if wait:
        return await again(f"Too many failed attempts. Try again in {wait} seconds.", 429)
    if not configured or not same(form.get("token", ""), configured):
        return await again("That set-up token is not right.", 403)
    await throttle.forgive(keys[0])
    if form.get("password", "") != form.get("password_confirm", ""):
        return await again("The two passwords differ.", 400)
    try:
        user = await users.create_first_admin(username, form.get("password", ""))
    except AccountProblem as problem:
        status = 410 if await users.user_count() > 0 else 400
        return await again(str(problem), status)
    await notice(f"Welcome, {user.username}. Create your first project.")
    return await _signed_in(user.id, "/app")


INVITE_GONE = {
    InviteState.UNKNOWN: (404, "This invite link is not valid. Check that you copied all of it."),
    InviteState.EXPIRED: (410, "This invite has expired. Ask a project admin for a new link."),
    InviteState.USED: (410, "This invite was already used. Ask a project admin for a new link."),
}


@blueprint.get("/invite/<token>")
async def invite_form(token: str) -> Response:
    view = await members.inspect_invite(token)
    if view.state is not InviteState.VALID:
        status, message = INVITE_GONE[view.state]
        return await page("invite_invalid.html", status=status, message=message)
    return await page("invite.html", invite=view, token=token, username="")


@blueprint.post("/invite/<token>")
async def accept_invite(token: str) -> Response:
    view = await members.inspect_invite(token)
    if view.state is not InviteState.VALID:
        status, message = INVITE_GONE[view.state]
        return await page("invite_invalid.html", status=status, message=message)
    form = await request.form
    # Throttled like a login: each try may probe a username, per link and per client.
    client = throttle.client_key(request.remote_addr)
    keys = [client, throttle.invite_key(digest(token))]
    try:
        if g.session is not None:
            await members.accept_as_existing_user(token, g.session.user_id)
            await notice(f"You joined {view.project_name} as {view.role}.")
            return redirect("/app", 303)
        if wait := await throttle.attempt(keys, _now()):
            return await page(
                "invite.html",
                status=429,
                invite=view,
                token=token,
                username=form.get("username", ""),
                error=f"Too many attempts. Try again in {wait} seconds.",
            )
        if form.get("password", "") != form.get("password_confirm", ""):
            raise MemberProblem("The two passwords differ.")
        user = await members.accept_as_new_user(
            token, form.get("username", ""), form.get("password", "")
        )
    except MemberProblem as problem:
        return await page(
            "invite.html",
            status=400,
            invite=view,
            token=token,
            username=form.get("username", ""),
            error=str(problem),
        )
    await throttle.forgive(client)
    await notice(f"Welcome, {user.username}. You joined {view.project_name} as {view.role}.")
    return await _signed_in(user.id, "/app")
