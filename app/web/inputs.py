"""The boundary rules for what a request may carry: one rule for text, strict ids.

Every page, partial and form reads its input through Quart, so the rules are applied once, here,
before any route runs: a request whose path, query or form holds a control character is refused
with 400 (PostgreSQL cannot store NUL, and nothing we keep is meant to hold the others), and ids
are parsed from ASCII digits only (`"²".isdigit()` is true, `int("²")` fails).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from quart import Quart, Response, abort, request
from werkzeug.routing import BaseConverter, ValidationError

# PostgreSQL's integer (serial) columns: an id past this cannot exist, so it is 404, not a
# database error.
MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")
_INDEX = re.compile(r"[0-9]{1,4}")
# Tab, line feed and carriage return are ordinary in notes and multi-line fields.
ALLOWED_CONTROLS = frozenset("\t\n\r")
MACHINE_PREFIXES = ("/webhooks/", "/api/")
TEXT_REFUSED = "Text may not contain control characters such as NUL."


def parse_id(raw: str | None) -> int | None:
    """A positive database id written in ASCII digits, or None for anything else."""
    if raw is None or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def parse_index(raw: str | None) -> int | None:
    """A small row index (0 and up) written in ASCII digits, or None."""
    if raw is None or not _INDEX.fullmatch(raw):
        return None
    return int(raw)


class IdConverter(BaseConverter):
    """`<id:name>` in a route: ASCII digits within the id range, else the route does not match
    (404)."""

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed

    def to_url(self, value: int) -> str:
        return str(value)


def has_control(text: str) -> bool:
    """True when the text holds a control character other than tab and line breaks, or a lone
    surrogate (which no encoder can write)."""
    return any(
        (unicodedata.category(char) in ("Cc", "Cs") and char not in ALLOWED_CONTROLS)
        for char in text
        if not char.isprintable()
    )


async def _refuse_control_characters() -> None:
    texts = [request.path]
    for key, value in request.args.items(multi=True):
        texts += [key, value]
    # Webhook bodies are signed bytes, read by their receivers (a GitHub hook may send a form).
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and not request.path.startswith(MACHINE_PREFIXES)
        and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form
        for key, value in form.items(multi=True):
            texts += [key, value]
    if any(has_control(text) for text in texts):
        abort(400, TEXT_REFUSED)


async def _relative_redirects(response: Response) -> Response:
    """Werkzeug answers `/p//x` with a 308 to an absolute URL built from the Host header the
    client sent; point it at the path instead, so no redirect names a host we were told."""
    location = response.headers.get("Location")
    if 300 <= response.status_code < 400 and location:
        parts = urlsplit(location)
        if parts.netloc:
            path = "/" + parts.path.lstrip("/")
            response.headers["Location"] = urlunsplit(("", "", path, parts.query, ""))
    return response


def install(app: Quart) -> None:
    app.url_map.converters["id"] = IdConverter
    app.after_request(_relative_redirects)
    # Before the session and CSRF hooks: bad text is refused before anything reads it.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_control_characters)
