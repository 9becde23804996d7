"""Access checks as named helpers: each returns what the route needs or aborts."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlencode

from quart import abort, g, redirect, request

from app.services.projects import ProjectAccess, Role, access_for

P = ParamSpec("P")
R = TypeVar("R")


def safe_next(target: str | None) -> str:
    """A local path to return to after login; anything else becomes /app."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/app"


def login_required(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(view)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if g.session is None:
            back = request.full_path.rstrip("?") if request.method == "GET" else "/app"
            location = "/login?" + urlencode({"next": back})
            if request.headers.get("HX-Request") == "true":
                # htmx follows HX-Redirect with a full page load.
                from quart import Response

                response = Response("", 401)
                response.headers["HX-Redirect"] = location
                return response  # type: ignore[return-value]
            return redirect(location)  # type: ignore[return-value]
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
