"""What both receivers share: the body limit, the answers, and timing that reveals nothing."""

from __future__ import annotations

import secrets

from quart import Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.jobs.ingest import enqueue
from app.settings import Settings

# Verified against when a project (or its secret) does not exist, so that an unknown project
# costs the same HMAC as a known one and answers alike.
UNKNOWN_SECRET = secrets.token_urlsafe(32)


def settings() -> Settings:
    return current_app.config["AUTOFLOW_SETTINGS"]


async def raw_body() -> bytes:
    """The exact bytes received (signatures are over them); 413 past the configured limit."""
    limit = settings().webhook_max_bytes
    too_large = RequestEntityTooLarge(f"webhook bodies are limited to {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = await request.get_data(cache=False, as_text=False)
    if len(body) > limit:  # a chunked body announces no length
        raise too_large
    return body


def answer(status: int, outcome: str, **extra: object) -> Response:
    response = jsonify({"outcome": outcome, **extra})
    response.status_code = status
    return response


async def enqueue_delivery(delivery_id: int) -> None:
    await enqueue(current_app.extensions["queue"], delivery_id)
