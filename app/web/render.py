"""Rendering pages and fragments, flash messages and toasts."""

from __future__ import annotations

import json
from typing import Any

from quart import Response, flash, g, make_response, render_template, request

TOAST_EVENT = "autoflow:toast"


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (boosted and history-restore requests
    want the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


async def page(template: str, status: int = 200, **context: Any) -> Response:
    response = await make_response(await render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


async def fragment(
    template: str, status: int = 200, toast: str | None = None, **context: Any
) -> Response:
    response = await make_response(await render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    if toast:
        add_toast(response, toast)
    return response


def add_toast(response: Response, message: str, level: str = "ok") -> None:
    response.headers["HX-Trigger"] = json.dumps({TOAST_EVENT: {"message": message, "level": level}})


async def notice(message: str, level: str = "ok") -> None:
    """A message for the next full page this browser loads."""
    await flash(message, level)


def current_user_id() -> int:
    return g.session.user_id
