"""Access checks as named helpers: each returns what the route needs or aborts."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlencode, urlsplit

from quart import Response, abort, flash, g, redirect, request

from app.services.projects import ProjectAccess, Role, access_for

P = ParamSpec("P")
R = TypeVar("R")


def safe_next(target: str | None) -> str:
    """A local path to return to after login; anything else becomes /app."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/app"


def page_they_were_on() -> str:
    """The page a request was sent from, to come back to: htmx names it in HX-Current-URL, a
    plain form post in the Referer. Same origin only; otherwise the project list."""
    for raw in (request.headers.get("HX-Current-URL"), request.headers.get("Referer")):
        if not raw:
            continue
        parts = urlsplit(raw)
        if parts.scheme in ("http", "https") and parts.netloc == request.host:
            return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    return "/app"


def sign_in_and_back(back: str) -> Response:
    """To the sign-in page, which returns to `back` afterwards. htmx follows HX-Redirect with
    a full page load."""
    location = "/login?" + urlencode({"next": back})
    if request.headers.get("HX-Request") == "true":
        response = Response("", 401)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303 if request.method not in ("GET", "HEAD") else 302)


SESSION_ENDED = "Your session has ended. Sign in to continue where you were."


def login_required(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(view)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if g.session is None:
            if request.method == "GET" and request.headers.get("HX-Request") != "true":
                back = request.full_path.rstrip("?")
            else:
                back = page_they_were_on()
            if g.get("drop_session_cookie"):
                await flash(SESSION_ENDED, "error")
            return sign_in_and_back(back)  # type: ignore[return-value]
        return await view(*args, **kwargs)

    return wrapper


async def project_for(slug: str, need: Role = Role.VIEWER) -> ProjectAccess:
    """The project as the current user sees it. 404 when it does not exist or the user is not
    a member (the same answer, so ids of other projects stay private); 403 when the user is a
    member without the needed role."""
    access = await access_for(slug, g.session.user_id)
    if access is None:
        abort(404)
    if not access.role.allows(need):
        abort(403)
    g.project = access
    return access


def require_instance_admin() -> None:
    if not g.session.is_admin:
        abort(403)
