"""What both receivers share: the body limit, the answers, and timing that reveals nothing."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from quart import Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.integrations.errors import InvalidSignature
from app.integrations.payloads import MalformedPayload
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


def safe_detail(error: ValueError) -> str:
    """What a 400 may say about a body: our own words, never a parser's."""
    if isinstance(error, MalformedPayload):
        return str(error)
    return "the body could not be read"


def answer(status: int, outcome: str, **extra: object) -> Response:
    response = jsonify({"outcome": outcome, **extra})
    response.status_code = status
    return response


# Reading and decrypting the secret is most of a delivery's database work, and secrets change
# rarely, so each process keeps them briefly. A signature that fails against a kept secret is
# checked again against a fresh read: a replaced secret works at once, and the old one is
# accepted at most this much longer.
SECRET_TTL_SECONDS = 5.0
_MISSING = object()

T = TypeVar("T")


class SecretCache:
    def __init__(self, ttl: float = SECRET_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, str | None]] = {}

    async def _get(
        self, key: Hashable, load: Callable[[], Awaitable[str | None]], fresh: bool
    ) -> str | None:
        now = time.monotonic()
        entry = self._entries.get(key)
        if fresh or entry is None or now - entry[0] > self.ttl:
            value = await load()
            self._entries[key] = (now, value)
            return value
        return entry[1]

    async def verified(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[str | None]],
        verify: Callable[[str], T],
    ) -> tuple[str | None, T]:
        """Verify with the kept secret, or with a fresh one when that fails. Returns the secret
        used (None: there is none) and what `verify` returned; raises what `verify` raised."""
        secret = await self._get(key, load, fresh=False)
        try:
            return secret, verify(secret or UNKNOWN_SECRET)
        except (InvalidSignature, ValueError):
            fresh = await self._get(key, load, fresh=True)
            if fresh == secret:
                raise
            return fresh, verify(fresh or UNKNOWN_SECRET)

    def known(self, key: Hashable) -> str | None:
        """The secret last read for this key (after `verified` raised: the fresh one)."""
        entry = self._entries.get(key)
        return entry[1] if entry else None


def secret_cache() -> SecretCache:
    return current_app.extensions.setdefault("webhook_secrets", SecretCache())
