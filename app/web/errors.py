"""Errors mapped in one place: friendly pages for people, short fragments for htmx."""

from __future__ import annotations

import logging

from quart import Quart, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from app.web.render import is_htmx

logger = logging.getLogger(__name__)

TITLES = {
    400: "That request was not understood",
    401: "Please sign in",
    403: "You are not allowed to do that",
    404: "Not found",
    405: "Not allowed here",
    413: "That is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}

EXPLANATIONS = {
    403: "Your role in this project does not permit it. Ask a project admin if you need it.",
    404: "The page does not exist, or it belongs to a project you are not a member of.",
    500: "The error was logged. Try again in a moment; if it keeps happening, tell your admin.",
}


# Machines (webhook senders, API clients) get one JSON shape, never an HTML page.
MACHINE_PREFIXES = ("/webhooks/", "/api/")


async def _render(status: int, detail: str | None) -> Response:
    title = TITLES.get(status, "Error")
    message = detail or EXPLANATIONS.get(status, "")
    if request.path.startswith(MACHINE_PREFIXES):
        response = jsonify({"error": title, "detail": message or None})
        response.status_code = status
        return response
    if is_htmx():
        # One readable sentence; the page shows it inline where the request started (no toast:
        # toasts are for success).
        text = f"{title}. {message}".strip() if message else f"{title}."
        return Response(text, status, content_type="text/plain; charset=utf-8")
    body = await render_template("error.html", status=status, title=title, message=message)
    return Response(body, status, content_type="text/html; charset=utf-8")


def install(app: Quart) -> None:
    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        detail = error.description if error.code in (400, 403, 413, 429) else None
        if detail and detail == type(error).description:
            detail = None
        return await _render(error.code or 500, detail)

    @app.errorhandler(Exception)
    async def unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        return await _render(500, None)
