"""Bearer-token authentication for /api/v1, as one decorator every route wears outermost (so a
request without a valid token learns nothing, not even whether its body would validate).

Order of answers: 401 (no token, malformed, unknown or revoked), then 429 (this token's window
is full), then 404 (the URL names another project: the token's own project is the only one it
can see, and others look exactly like projects that do not exist).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from quart import current_app, g, request

from app.api.errors import ApiProblem
from app.services import api_tokens
from app.services.projects import ProjectAccess, Role

P = ParamSpec("P")
R = TypeVar("R")

CHALLENGE = 'Bearer realm="autoflow"'


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def authenticate(slug: str | None) -> ProjectAccess:
    value = bearer_token()
    if value is None:
        raise ApiProblem(401, headers={"WWW-Authenticate": CHALLENGE})
    use = await api_tokens.authenticate(value)
    if use is None:
        raise ApiProblem(
            401,
            "The token is not valid, or it was revoked.",
            headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
        )
    limit = current_app.config["AUTOFLOW_SETTINGS"].api_rate_limit
    if use.hits > limit:
        raise ApiProblem(
            429,
            f"This token may make {limit} requests a minute; try again in {use.retry_after} s.",
            headers={"Retry-After": str(use.retry_after)},
            retry_after=use.retry_after,
        )
    if slug is not None and slug != use.project_slug:
        raise ApiProblem(404)
    g.api_token = use
    # A token acts with the rights of the admin who made it (checked in the query above).
    return ProjectAccess(use.project_id, use.project_slug, use.project_name, Role.ADMIN)


def token_required(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Authenticate, rate-limit and scope the request; the route reads `g.api_project`."""

    @functools.wraps(view)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        slug = kwargs.get("slug")
        g.api_project = await authenticate(slug if isinstance(slug, str) else None)
        return await view(*args, **kwargs)

    return wrapper
