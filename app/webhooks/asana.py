"""`POST /webhooks/asana/<project id>?resource=<Asana project gid>`: the handshake while we are
creating that webhook (bound to our create call by a one-time token in the target), then signed
compact events — verified, recorded, enqueued.

Reference: https://developers.asana.com/docs/webhooks-guide
Asana retries a delivery not answered 2xx within 10 s and deletes the webhook after 24 h of
failures; deliveries are at-most-once with no replay and carry no delivery id, so each event is
deduplicated on a stable key of its own fields. `{"events": []}` is a heartbeat (every 8 h).
"""

from __future__ import annotations

import datetime as dt
import uuid

from quart import Blueprint, Response, request

from app.integrations.asana.webhooks import (
    handshake_response_headers,
    handshake_secret,
    parse_events,
    verify_request,
)
from app.integrations.errors import InvalidSignature
from app.services import asana_hooks, deliveries
from app.services.deliveries import NewDelivery
from app.tables import Project
from app.webhooks.common import answer, raw_body, secret_cache
from app.webhooks.summaries import asana_event_key, asana_summary

blueprint = Blueprint("asana_webhooks", __name__)

# Events about tasks drive the pipeline; others (stories, sections...) are recorded only.
ACTED_ON_RESOURCE_TYPES = frozenset({"task"})
MAX_GID_LENGTH = 32
# The one-time handshake token is 43 characters (32 random bytes, base64url).
MAX_TOKEN_LENGTH = 64


@blueprint.post("/webhooks/asana/<int:project_id>")
async def receive(project_id: int) -> Response:
    body = await raw_body()
    resource = request.args.get("resource", "")[:MAX_GID_LENGTH]
    offered = handshake_secret(request.headers)
    if offered is not None:
        token = request.args.get("handshake", "")[:MAX_TOKEN_LENGTH]
        return await _handshake(project_id, resource, token, offered)

    cache, key = secret_cache(), ("asana", project_id, resource)

    async def load() -> str | None:
        return await asana_hooks.secret_for(project_id, resource) if resource.isdigit() else None

    try:
        _secret, events = await cache.verified(
            key, load, lambda candidate: _verified_events(body, candidate)
        )
    except InvalidSignature as error:
        if cache.known(key) is None:
            return answer(404, "unknown")
        await deliveries.reject(project_id, "asana", resource, f"signature: {error}")
        return answer(401, "invalid signature")
    except ValueError as error:
        if cache.known(key) is None:
            return answer(404, "unknown")
        await deliveries.reject(project_id, "asana", resource, f"malformed: {error}")
        return answer(400, "malformed", detail=str(error))

    if not events:
        now = dt.datetime.now(dt.UTC)
        await deliveries.heartbeat(project_id, resource, now)
        await deliveries.record(
            NewDelivery(
                project_id=project_id,
                source="asana",
                delivery_key=f"heartbeat:{uuid.uuid4()}",
                event="heartbeat",
                action=None,
                hook_ref=resource,
                summary={},
                status="processed",
                outcome="heartbeat",
            )
        )
        return answer(200, "heartbeat")

    queued = duplicates = 0
    for event in events:
        acted_on = event.resource_type in ACTED_ON_RESOURCE_TYPES
        delivery_id = await deliveries.record(
            NewDelivery(
                project_id=project_id,
                source="asana",
                delivery_key=asana_event_key(event),
                event=f"{event.resource_type or 'unknown'}.{event.action or 'unknown'}"[:64],
                action=event.action[:64] or None,
                hook_ref=resource,
                summary=asana_summary(event),
                status="pending" if acted_on else "ignored",
                outcome=None if acted_on else "resource type not acted on",
            )
        )
        if delivery_id is None:
            duplicates += 1
        elif acted_on:
            queued += 1
    return answer(200, "recorded", queued=queued, duplicates=duplicates)


def _verified_events(body: bytes, secret: str) -> list:
    verify_request(request.headers, body, secret)
    return parse_events(body)


async def _handshake(project_id: int, resource: str, token: str, offered: str) -> Response:
    # Only Asana, answering our own create call, knows the one-time token in the target we
    # registered; a handshake without it is refused even while a set-up is in progress.
    if resource.isdigit() and await asana_hooks.accept_handshake(
        project_id, resource, token, offered
    ):
        response = answer(200, "handshake accepted")
        response.headers.update(handshake_response_headers(offered))
        return response
    if await Project.exists().where(Project.id == project_id):
        await deliveries.reject(
            project_id, "asana", resource or None, "handshake without our one-time token"
        )
    return answer(403, "no webhook set-up in progress for this resource")
