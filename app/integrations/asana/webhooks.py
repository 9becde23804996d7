"""Receiving Asana webhooks: the X-Hook-Secret handshake, signatures, and the compact events.

Reference: https://developers.asana.com/docs/webhooks-guide

- Creating a webhook makes Asana POST a handshake to the target *while the create call is still
  in flight*; the request carries `X-Hook-Secret` and must be answered 200 or 204 with the same
  header echoed. This is the only time the secret is ever sent: store it then.
- Every later delivery carries `X-Hook-Signature`, the hex HMAC-SHA256 of the raw body keyed with
  that secret.
- A delivery is `{"events": [...]}`; an empty list is a heartbeat (about every 8 hours). Events are
  compact: they say which field of which resource changed, never its new value, so the receiver
  re-reads the task.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.integrations.asana.models import parse_asana_time
from app.integrations.errors import InvalidSignature
from app.integrations.payloads import MalformedPayload, loads

HOOK_SECRET_HEADER = "X-Hook-Secret"  # noqa: S105 -- a header name, not a secret
HOOK_SIGNATURE_HEADER = "X-Hook-Signature"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # aiohttp and Quart headers are case-insensitive; a plain dict from a test may not be.
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value


def handshake_secret(headers: Mapping[str, str]) -> str | None:
    """The secret of a handshake request, or None when the request is an event delivery."""
    return _header(headers, HOOK_SECRET_HEADER) or None


def handshake_response_headers(secret: str) -> dict[str, str]:
    """The headers that confirm a handshake: the same secret, echoed (with a 200 or 204)."""
    return {HOOK_SECRET_HEADER: secret}


def sign(body: bytes, secret: str) -> str:
    """The `X-Hook-Signature` value for a body: hex HMAC-SHA256 keyed with the hook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str | None, secret: str) -> None:
    """Raise InvalidSignature unless `signature` is the body's HMAC under `secret`."""
    if not secret:
        raise InvalidSignature("no secret is stored for this webhook")
    if not signature:
        raise InvalidSignature(f"the {HOOK_SIGNATURE_HEADER} header is missing")
    # compare_digest keeps the comparison time independent of where the strings differ.
    if not hmac.compare_digest(signature.strip().lower(), sign(body, secret)):
        raise InvalidSignature("the signature does not match the body")


def verify_request(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """Verify a delivery from its headers and raw body."""
    verify_signature(body, _header(headers, HOOK_SIGNATURE_HEADER), secret)


# Reference: https://developers.asana.com/reference/events (the event object). Gids are strings
# of digits; actions, resource types and field names are short lowercase words.
_GID = re.compile(r"[0-9]{1,32}")
_WORD = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _object(record: dict[str, Any], key: str, *, required: bool = False) -> dict[str, Any]:
    value = record.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise MalformedPayload(f"an event's {key!r} must be an object")
    return value


def _text(record: dict[str, Any], key: str, pattern: re.Pattern[str], *, required: bool = False):
    value = record.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise MalformedPayload(f"an event's {key!r} is missing or not of the expected form")
    return value


@dataclass(frozen=True)
class AsanaEvent:
    """One compact event: what happened to which resource, never the new field values."""

    action: str  # changed, added, removed, deleted, undeleted
    resource_gid: str
    resource_type: str
    resource_subtype: str | None
    parent_gid: str | None
    parent_type: str | None
    changed_field: str | None
    user_gid: str | None
    created_at: datetime | None
    # What changed, for the dedupe key: change.action and the new/added/removed values as
    # canonical JSON (two different changes at the same instant must not share a key).
    change_action: str | None = None
    change_values: str = ""

    @classmethod
    def from_json(cls, record: Any) -> AsanaEvent:
        """Read one event, refusing wrong types (MalformedPayload): a signature proves the
        sender, not the shape."""
        if not isinstance(record, dict):
            raise MalformedPayload("each event must be an object")
        resource = _object(record, "resource", required=True)
        parent = _object(record, "parent")
        change = _object(record, "change")
        user = _object(record, "user")  # null for events made by Asana itself
        created_at = record.get("created_at")
        if created_at is not None and not isinstance(created_at, str):
            raise MalformedPayload("an event's 'created_at' must be a timestamp string")
        try:
            when = parse_asana_time(created_at)
        except ValueError:
            raise MalformedPayload("an event's 'created_at' is not a timestamp") from None
        values = {
            k: change[k] for k in ("new_value", "added_value", "removed_value") if k in change
        }
        return cls(
            action=_text(record, "action", _WORD, required=True),
            resource_gid=_text(resource, "gid", _GID, required=True),
            resource_type=_text(resource, "resource_type", _WORD, required=True),
            resource_subtype=_text(resource, "resource_subtype", _WORD),
            parent_gid=_text(parent, "gid", _GID),
            parent_type=_text(parent, "resource_type", _WORD),
            changed_field=_text(change, "field", _WORD),
            user_gid=_text(user, "gid", _GID),
            created_at=when,
            change_action=_text(change, "action", _WORD),
            change_values=json.dumps(values, sort_keys=True, separators=(",", ":")),
        )


def parse_events(body: bytes) -> list[AsanaEvent]:
    """The events of a verified delivery; an empty list is a heartbeat. Raises
    MalformedPayload (with a message of ours) for anything else."""
    document = loads(body)
    records = document.get("events") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise MalformedPayload("an Asana delivery must be a JSON object with an 'events' list")
    return [AsanaEvent.from_json(record) for record in records]
