"""`POST /webhooks/github/<project id>`: verify, record, enqueue, answer — in milliseconds.

Reference: https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
GitHub counts a delivery as failed unless it is answered 2xx within 10 seconds and never
redelivers on its own; `X-GitHub-Delivery` stays the same on a manual redelivery, so it is the
dedupe key. Every well-signed event is answered 2xx, even one we do not act on.
"""

from __future__ import annotations

import logging

from quart import Blueprint, Response, request

from app.integrations.errors import InvalidSignature
from app.integrations.github.webhooks import HOOK_ID_HEADER, HOOK_ID_PATTERN, parse_delivery
from app.services import deliveries
from app.services.deliveries import NewDelivery
from app.services.secrets import read_secret
from app.webhooks.common import answer, raw_body, safe_detail, secret_cache
from app.webhooks.summaries import GITHUB_EVENTS_ACTED_ON, github_summary

logger = logging.getLogger(__name__)

blueprint = Blueprint("github_webhooks", __name__)

SECRET_NAME = "github_webhook_secret"  # noqa: S105 - the name under which it is stored


def _claimed_hook() -> str | None:
    """The hook id a refused request claims, when it has the form of one: only a claim."""
    claimed = request.headers.get(HOOK_ID_HEADER, "")
    return claimed if HOOK_ID_PATTERN.fullmatch(claimed) else None


@blueprint.post("/webhooks/github/<id:project_id>")
async def receive(project_id: int) -> Response:
    body = await raw_body()
    cache, key = secret_cache(), ("github", project_id)
    try:
        secret, delivery = await cache.verified(
            key,
            lambda: read_secret(project_id, SECRET_NAME),
            lambda candidate: parse_delivery(request.headers, body, candidate),
        )
    except InvalidSignature as error:
        if cache.known(key) is None:
            return answer(404, "unknown")
        await deliveries.reject(
            project_id, "github", _claimed_hook(), f"signature: {error}", known_hook=False
        )
        return answer(401, "invalid signature")
    except ValueError as error:
        if cache.known(key) is None:
            return answer(404, "unknown")
        detail = safe_detail(error)
        await deliveries.reject(
            project_id, "github", _claimed_hook(), f"malformed: {detail}", known_hook=False
        )
        return answer(400, "malformed", detail=detail)
    if secret is None:  # cannot happen: nothing verifies against the unknown secret
        return answer(404, "unknown")

    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    acted_on = delivery.event in GITHUB_EVENTS_ACTED_ON
    status, outcome = ("pending", None) if acted_on else ("ignored", "event not acted on")
    if delivery.event == "ping":
        status, outcome = "processed", "ping: the hook reaches us"
    delivery_id = await deliveries.record(
        NewDelivery(
            project_id=project_id,
            source="github",
            delivery_key=delivery.delivery_id[:128],
            event=delivery.event[:64],
            action=str(payload.get("action"))[:64] if payload.get("action") else None,
            hook_ref=delivery.hook_id,
            summary=github_summary(delivery.event, payload),
            status=status,
            outcome=outcome,
        )
    )
    if delivery_id is None:
        return answer(200, "duplicate")
    if acted_on:
        return answer(202, "queued", delivery=delivery_id)
    return answer(202, status, delivery=delivery_id)
