"""Receiving GitHub webhooks: `X-Hub-Signature-256` verification and the delivery headers.

Reference: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
The signature is `sha256=` followed by the hex HMAC-SHA256 of the raw body keyed with the hook's
secret, compared in constant time. The older SHA-1 `X-Hub-Signature` is not accepted.

Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
`X-GitHub-Event` names the event, `X-GitHub-Delivery` is a GUID that stays the same when a
delivery is redelivered (GitHub never redelivers on its own; only a person or an API call does),
so it is the key for recognising a duplicate. A delivery must be answered 2xx within 10 seconds
or GitHub counts it as failed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from gidgethub import ValidationFailure
from gidgethub.sansio import validate_event

from app.integrations.errors import InvalidSignature
from app.integrations.payloads import MalformedPayload, loads

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"
HOOK_ID_HEADER = "X-GitHub-Hook-ID"
SIGNATURE_PREFIX = "sha256="


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value


def sign(body: bytes, secret: str) -> str:
    """The `X-Hub-Signature-256` value GitHub would send for this body."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str | None, secret: str) -> None:
    """Raise InvalidSignature unless `signature` is `sha256=<hex HMAC of body under secret>`."""
    if not secret:
        raise InvalidSignature("no secret is configured for this hook")
    if not signature:
        raise InvalidSignature(f"the {SIGNATURE_HEADER} header is missing")
    if not signature.startswith(SIGNATURE_PREFIX):
        raise InvalidSignature(f"the signature does not start with {SIGNATURE_PREFIX!r}")
    try:
        # gidgethub compares with hmac.compare_digest (constant time).
        validate_event(body, signature=signature, secret=secret)
    except ValidationFailure:
        raise InvalidSignature("the signature does not match the body") from None


@dataclass(frozen=True)
class GitHubDelivery:
    """A verified delivery: the event name, its delivery GUID, the hook id and the payload."""

    event: str
    delivery_id: str
    hook_id: str | None
    payload: dict[str, Any]


# GitHub's own values: event names are lowercase words, delivery ids GUIDs, hook ids numbers.
_EVENT = re.compile(r"[a-z][a-z0-9_]{0,63}")
_DELIVERY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
HOOK_ID_PATTERN = re.compile(r"[0-9]{1,20}")


def parse_delivery(headers: Mapping[str, str], body: bytes, secret: str) -> GitHubDelivery:
    """Verify a delivery's signature and decode it (JSON, or the `form` content type).
    Raises InvalidSignature, or MalformedPayload with a message of ours."""
    verify_signature(body, _header(headers, SIGNATURE_HEADER), secret)
    event = _header(headers, EVENT_HEADER)
    delivery_id = _header(headers, DELIVERY_HEADER)
    if not event or not delivery_id:
        raise MalformedPayload(f"a GitHub delivery needs {EVENT_HEADER} and {DELIVERY_HEADER}")
    if not _EVENT.fullmatch(event) or not _DELIVERY.fullmatch(delivery_id):
        raise MalformedPayload(f"{EVENT_HEADER} or {DELIVERY_HEADER} is not of GitHub's form")
    hook_id = _header(headers, HOOK_ID_HEADER)
    if hook_id is not None and not HOOK_ID_PATTERN.fullmatch(hook_id):
        raise MalformedPayload(f"{HOOK_ID_HEADER} is not a hook id")
    content_type = (_header(headers, "Content-Type") or "").split(";")[0].strip()
    raw: bytes | str = body
    if content_type == "application/x-www-form-urlencoded":
        # A hook left on the API default content type sends `payload=<url-encoded JSON>`.
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedPayload("the body is not UTF-8 text") from None
        raw = parse_qs(text).get("payload", [""])[0]
    return GitHubDelivery(event=event, delivery_id=delivery_id, hook_id=hook_id, payload=loads(raw))
