"""The Asana sandbox's events API: what changed on a resource since a sync token.

Reference: https://developers.asana.com/reference/getevents
The first call without a sync token (or with an expired one) answers 412 Precondition Failed
with a fresh token in `sync`; the next calls answer the events since that token, at most 100 at
a time (`has_more` says when more wait), each with a new token. It is the fallback when a
webhook delivery was lost: Asana's webhooks are at-most-once.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from app.sandbox import asana_store as store
from app.sandbox.asana_api import AsanaApi, AsanaError
from app.sandbox.server import json_response

EVENTS_PAGE_SIZE = 100  # Reference: https://developers.asana.com/reference/getevents
SYNC_EXPIRED = (
    "Sync token invalid or too old. If you are attempting to keep resources in sync, you must "
    "fetch the full dataset for this query now and use the new sync token for the next sync."
)


class EventEndpoints(AsanaApi):
    """`GET /events?resource=&sync=`."""

    def _new_sync_token(self, resource_gid: str, position: int) -> str:
        token = secrets.token_hex(16)
        self.world.sync_tokens[token] = (resource_gid, position)
        return token

    async def get_events(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getevents
        resource_gid = request.query.get("resource")
        if not resource_gid:
            raise AsanaError(400, "resource: Missing input")
        if self.world.resource(resource_gid) is None:
            raise AsanaError(404, f"resource: Unknown object: {resource_gid}")
        fields = self._opt_fields(request, "event")
        log = self.events.log
        known = self.world.sync_tokens.get(request.query.get("sync", ""))
        if known is None or known[0] != resource_gid:
            body: dict[str, Any] = {
                "errors": [{"message": SYNC_EXPIRED}],
                "sync": self._new_sync_token(resource_gid, len(log)),
            }
            return json_response(body, status=412)
        position = known[1]
        found: list[dict[str, Any]] = []
        while position < len(log) and len(found) < EVENTS_PAGE_SIZE:
            watched, event = log[position]
            if resource_gid in watched:
                found.append(event)
            position += 1
        has_more = any(resource_gid in watched for watched, _ in log[position:])
        return json_response(
            {
                "data": store.select_fields(found, fields, compact_default=False),
                "sync": self._new_sync_token(resource_gid, position),
                "has_more": has_more,
            }
        )
