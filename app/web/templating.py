"""Jinja globals and filters every template may use."""

from __future__ import annotations

import datetime as dt

from quart import Quart, g, get_flashed_messages

from app import __version__
from app.web.security import CSRF_HEADER

HTMX_SCRIPT = "vendor/htmx-2.0.11.min.js"


def relative_time(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if moment is None:
        return "never"
    now = now or dt.datetime.now(dt.UTC)
    seconds = (now - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for limit, unit, size in (
        (60, "s", 1),
        (3600, "min", 60),
        (86400, "h", 3600),
        (86400 * 60, "d", 86400),
    ):
        if seconds < limit:
            amount = int(seconds // size)
            if unit == "s":
                return "in a moment" if future else "just now"
            return f"in {amount} {unit}" if future else f"{amount} {unit} ago"
    return moment.strftime("%Y-%m-%d")


def utc_text(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def install(app: Quart) -> None:
    app.jinja_env.autoescape = True
    app.jinja_env.filters["ago"] = relative_time
    app.jinja_env.filters["utc"] = utc_text
    app.jinja_env.globals.update(
        version=__version__,
        htmx_script=HTMX_SCRIPT,
        csrf_header=CSRF_HEADER,
    )

    @app.context_processor
    async def shared_context() -> dict:
        return {
            "current": g.get("session"),
            "project": g.get("project"),
            "flashes": get_flashed_messages(with_categories=True),
        }
