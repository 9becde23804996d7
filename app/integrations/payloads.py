"""Reading webhook bodies strictly, and keeping what we store from them storable.

A signature proves who sent a body, not that it is sane: a well-signed body may still hold
`NaN`, `1e400` (infinity once parsed), 100,000 nested arrays, or strings PostgreSQL's jsonb
refuses (`\\u0000`, a lone surrogate). Bodies are decoded here with those refused, and every
message raised is ours: a 400 answer never echoes the parser's own text.
"""

from __future__ import annotations

import json
import math
from typing import Any

# GitHub's deepest payloads nest about ten levels; anything far deeper is an attack.
MAX_DEPTH = 64


class MalformedPayload(ValueError):
    """A verified body we refuse. The message is fixed text of ours, safe to answer with."""


def _refuse_constant(name: str) -> Any:
    raise MalformedPayload("the body holds NaN or Infinity, which JSON does not allow")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedPayload("the body holds a number too large to represent")
    return value


def _check_depth(document: Any) -> None:
    # Iterative on purpose: a recursive walk is what a deep body would overflow.
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedPayload(f"the body nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


def loads(raw: bytes | str) -> Any:
    """Decode a JSON body (UTF-8), refusing non-finite numbers and absurd nesting."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedPayload("the body is not UTF-8 text") from None
    try:
        document = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite)
    except MalformedPayload:
        raise
    except (ValueError, RecursionError):
        # ValueError also covers integers past Python's digit limit.
        raise MalformedPayload("the body is not valid JSON") from None
    _check_depth(document)
    return document


def storable(value: Any) -> Any:
    """A copy of a (parsed, depth-checked) JSON value that PostgreSQL's jsonb accepts: NUL and
    lone surrogates in strings become U+FFFD."""
    if isinstance(value, str):
        if value.isprintable() or ("\x00" not in value and value.isascii()):
            return value
        cleaned = value.replace("\x00", "\ufffd")
        return cleaned.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
