"""Access checks as named helpers: each returns what the route needs or aborts."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlencode, urlsplit

from quart import Response, abort, flash, g, redirect, request

from app.services.projects import NEEDED_ROLE, Action, ProjectAccess, Role, access_for

P = ParamSpec("P")
R = TypeVar("R")


# What a browser's URL parser drops or rewrites before it resolves a link.
# Reference: https://url.spec.whatwg.org/#concept-basic-url-parser (leading and trailing C0
# controls and spaces are stripped, ASCII tab and newlines removed anywhere, and in a special
# scheme's URL a backslash is read as a slash).
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


def safe_next(target: str | None) -> str:
    """A same-origin path to return to after login; anything else becomes /app.

    The target is read as a browser would read it, so `/\t/evil.example` (which a browser
    turns into `//evil.example`) or `/\\evil.example` cannot lead off the site."""
    if not target:
        return "/app"
    seen = target.strip(_C0_OR_SPACE).translate(_TAB_OR_NEWLINE).replace("\\", "/")
    if (
        not seen.startswith("/")
        or seen.startswith("//")
        or any(not char.isprintable() for char in seen)
        or urlsplit(seen).netloc
    ):
        return "/app"
    return seen


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


async def project_for_action(slug: str, action: Action) -> ProjectAccess:
    """The project when the current user may do this there (see `Action`); 404 for a
    non-member, 403 for a member whose role does not permit it."""
    return await project_for(slug, NEEDED_ROLE[action])


async def project_for_task_action(slug: str) -> ProjectAccess:
    """For every route that acts on tasks (retry, resync, force link, change repo, task notes,
    create task): editors and admins."""
    return await project_for_action(slug, Action.ACT_ON_TASKS)


def require_instance_admin() -> None:
    if not g.session.is_admin:
        abort(403)
