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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.integrations.asana.models import parse_asana_time
from app.integrations.errors import InvalidSignature

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

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> AsanaEvent:
        # Reference: https://developers.asana.com/reference/events (the event object)
        resource = record.get("resource") or {}
        parent = record.get("parent") or {}
        change = record.get("change") or {}
        user = record.get("user") or {}  # null for events made by Asana itself
        return cls(
            action=record.get("action", ""),
            resource_gid=resource.get("gid", ""),
            resource_type=resource.get("resource_type", ""),
            resource_subtype=resource.get("resource_subtype"),
            parent_gid=parent.get("gid"),
            parent_type=parent.get("resource_type"),
            changed_field=change.get("field"),
            user_gid=user.get("gid"),
            created_at=parse_asana_time(record.get("created_at")),
        )


def parse_events(body: bytes) -> list[AsanaEvent]:
    """The events of a verified delivery; an empty list is a heartbeat."""
    try:
        document = json.loads(body)
        records = document["events"]
    except (ValueError, KeyError, TypeError):
        raise ValueError("an Asana delivery must be a JSON object with an 'events' list") from None
    if not isinstance(records, list):
        raise ValueError("an Asana delivery must be a JSON object with an 'events' list")
    return [AsanaEvent.from_json(record) for record in records]
