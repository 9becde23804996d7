"""Hypercorn's access log without the secrets some URLs carry.

An invite link is a bearer credential (`/invite/<token>`): the log names the route, never the
token, in the request line and in a Referer that points back at the invite page. Used with
`hypercorn --config python:app.web.access_log.HypercornSettings` (`autoflow web`/`run` do).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hypercorn.logging import Logger

_SECRET_PATHS = re.compile(r"/invite/[^/?#\s]+")
REDACTED = "/invite/<token>"


def redact(text: str) -> str:
    return _SECRET_PATHS.sub(REDACTED, text)


class RedactingLogger(Logger):
    def atoms(self, request: Any, response: Any, request_time: float) -> Mapping[str, str]:
        scope = dict(request)
        scope["path"] = redact(request["path"])
        scope["headers"] = [
            (name, redact(value.decode("latin-1")).encode("latin-1"))
            if name.lower() == b"referer"
            else (name, value)
            for name, value in request["headers"]
        ]
        return super().atoms(scope, response, request_time)


class HypercornSettings:
    """What `--config python:app.web.access_log.HypercornSettings` sets."""

    logger_class = RedactingLogger
