"""The Asana sandbox's webhooks endpoints, with the X-Hook-Secret handshake on create.

Creating a webhook runs the handshake against the target before the create call answers, as
Asana does; the events that later changes cause are built and delivered by `asana_events.py`.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import web

from app.integrations.asana.webhooks import HOOK_SECRET_HEADER
from app.sandbox import asana_store as store
from app.sandbox.asana_api import USER_GID, AsanaApi, AsanaError
from app.sandbox.server import json_response


class WebhookEndpoints(AsanaApi):
    """Listing, reading, deleting and creating (after the handshake) webhooks."""

    async def list_webhooks(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getwebhooks (workspace required)
        workspace_gid = request.query.get("workspace")
        if not workspace_gid:
            raise AsanaError(400, "workspace: Missing input")
        resource_gid = request.query.get("resource")
        hooks = [
            h
            for h in self.world.webhooks.values()
            if h.workspace_gid == workspace_gid
            and h.owner_gid == request[USER_GID]
            and (resource_gid is None or h.resource_gid == resource_gid)
        ]
        return self._page(request, "webhook", [store.webhook_json(h) for h in hooks])

    async def get_webhook(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getwebhook
        webhook = self._find(self.world.webhooks, request.match_info["gid"], "webhook")
        return self._respond(request, "webhook", store.webhook_json(webhook))

    async def update_webhook(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/updatewebhook (only `filters`)
        webhook = self._find(self.world.webhooks, request.match_info["gid"], "webhook")
        data = await self._data(request)
        unknown = set(data) - {"filters"}
        if unknown:
            raise AsanaError(400, f"{sorted(unknown)[0]}: Cannot write this property")
        webhook.filters = self._filters(data.get("filters") or [])
        return self._respond(request, "webhook", store.webhook_json(webhook))

    @staticmethod
    def _filters(filters: Any) -> list[dict[str, Any]]:
        # Reference: https://developers.asana.com/reference/createwebhook (WebhookFilter)
        if isinstance(filters, str):
            try:
                filters = json.loads(filters)
            except ValueError:
                raise AsanaError(400, "filters: Not a valid JSON array") from None
        allowed = {"resource_type", "resource_subtype", "action", "fields"}
        if not isinstance(filters, list) or not all(
            isinstance(f, dict) and set(f) <= allowed for f in filters
        ):
            raise AsanaError(
                400, "filters: Each filter is an object of " + ", ".join(sorted(allowed))
            )
        return filters

    async def delete_webhook(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/deletewebhook
        webhook = self._find(self.world.webhooks, request.match_info["gid"], "webhook")
        del self.world.webhooks[webhook.gid]
        return json_response({"data": {}})

    async def create_webhook(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createwebhook
        data = await self._data(request)
        resource_gid = str(data.get("resource") or "")
        target = str(data.get("target") or "")
        if not resource_gid:
            raise AsanaError(400, "resource: Missing input")
        if not target:
            raise AsanaError(400, "target: Missing input")
        resource = self.world.resource(resource_gid)
        if resource is None:
            raise AsanaError(404, f"resource: Unknown object: {resource_gid}")
        filters = self._filters(data.get("filters") or [])
        resource_type, name, workspace_gid = resource
        if resource_type == "workspace" and not filters:
            raise AsanaError(400, "filters: Webhooks on a workspace require filters")
        # Asana refuses a second webhook for the same resource and target with 403.
        if any(
            h.resource_gid == resource_gid and h.target == target
            for h in self.world.webhooks.values()
        ):
            raise AsanaError(
                403, "Duplicate webhook: one already exists for this resource and target"
            )
        secret = secrets.token_hex(32)
        # The handshake goes out and must be answered *before* this call returns.
        record = await self.sender.post(
            target,
            {HOOK_SECRET_HEADER: secret},
            b"",
            timeout_seconds=self.handshake_timeout_seconds,
        )
        echoed = next(
            (v for k, v in record.response_headers.items() if k.lower() == "x-hook-secret"), None
        )
        if record.status not in (200, 204) or echoed != secret:
            raise AsanaError(
                400,
                "The remote server did not respond with the handshake secret "
                f"(answer: {record.status or record.outcome})",
            )
        webhook = store.Webhook(
            gid=store.new_gid(),
            resource_gid=resource_gid,
            resource_type=resource_type,
            resource_name=name,
            target=target,
            filters=list(filters),
            secret=secret,
            owner_gid=request[USER_GID],
            workspace_gid=workspace_gid,
            created_at=store.now(),
        )
        self.world.webhooks[webhook.gid] = webhook
        return self._respond(request, "webhook", store.webhook_json(webhook), status=201)
