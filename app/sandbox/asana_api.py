"""How the Asana sandbox speaks: Asana's error envelope, request data, `opt_fields` and pagination.

`AsanaApi` is the base that the sandbox and its endpoint groups (`asana_workspace_endpoints`,
`asana_task_endpoints`, `asana_webhook_endpoints`) share: the world they serve and the helpers
every handler uses to read a request and shape its answer.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from app.sandbox import asana_store as store
from app.sandbox.asana_events import AsanaEventSender
from app.sandbox.asana_fields import unknown_fields
from app.sandbox.delivery import WebhookSender
from app.sandbox.faults import ResponseFault
from app.sandbox.server import json_response

API_PREFIX = "/api/1.0"
MAX_PAGE_SIZE = 100  # Reference: https://developers.asana.com/docs/pagination (limit 1..100)
USER_GID = web.RequestKey("user_gid", str)  # the gid of the token's user


class AsanaError(Exception):
    """Raised by a handler; rendered as Asana's `{"errors": [{"message": ...}]}` body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_response(status: int, message: str, headers: dict[str, str] | None = None):
    # Reference: https://developers.asana.com/docs/errors
    error: dict[str, Any] = {"message": message}
    if status >= 500:
        error["phrase"] = "6 sandbox squids snuggle softly"
    return json_response({"errors": [error]}, status=status, headers=headers)


def render_fault(fault: ResponseFault) -> web.Response:
    if fault.kind == "rate_limit":
        # Reference: https://developers.asana.com/docs/rate-limits
        return error_response(
            429,
            "You have made too many requests recently. Please, be chill.",
            {"Retry-After": str(fault.retry_after)},
        )
    return error_response(fault.status, "Server Error")


class AsanaApi:
    """The world an Asana sandbox serves, and the request and response helpers of its handlers."""

    # Set by `AsanaSandbox.__init__`; declared here for the endpoint groups that use them.
    world: store.AsanaWorld
    sender: WebhookSender
    events: AsanaEventSender
    handshake_timeout_seconds: float

    @property
    def base_url(self) -> str:
        """What a client uses in place of https://app.asana.com/api/1.0."""
        raise NotImplementedError  # only the running server knows its address

    def _find(self, collection: dict[str, Any], gid: str, kind: str) -> Any:
        if gid not in collection:
            raise AsanaError(404, f"{kind}: Unknown object: {gid}")
        return collection[gid]

    async def _data(self, request: web.Request) -> dict[str, Any]:
        """The request's `data` object; Asana takes JSON `{"data": {...}}` or form fields."""
        if request.content_type == "application/x-www-form-urlencoded":
            return dict(await request.post())
        try:
            body = await request.json()
        except ValueError:
            raise AsanaError(400, "Could not parse request data, invalid JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise AsanaError(400, "Request data must be a JSON object with a 'data' key")
        return body["data"]

    @staticmethod
    def _opt_fields(request: web.Request, resource: str) -> str | None:
        """The request's opt_fields, refused (400) when one names no field of the resource."""
        # Reference: https://developers.asana.com/docs/inputoutput-options
        fields = request.query.get("opt_fields")
        unknown = unknown_fields(resource, fields)
        if unknown:
            raise AsanaError(400, f"opt_fields: Unknown field: {unknown[0]}")
        return fields

    def _respond(
        self, request: web.Request, resource: str, record: Any, *, status: int = 200
    ) -> web.Response:
        fields = self._opt_fields(request, resource)
        return json_response(
            {"data": store.select_fields(record, fields, compact_default=False)}, status=status
        )

    def _page(
        self, request: web.Request, resource: str, records: list[dict[str, Any]]
    ) -> web.Response:
        """Answer a list, paginated when `limit` is given, with opaque offset tokens."""
        # Reference: https://developers.asana.com/docs/pagination
        fields = self._opt_fields(request, resource)
        limit_text = request.query.get("limit")
        if limit_text is None:
            data = store.select_fields(records, fields, compact_default=True)
            return json_response({"data": data})
        try:
            limit = int(limit_text)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise AsanaError(400, f"limit: Must be between 1 and {MAX_PAGE_SIZE}, inclusive")
        query_key = self._query_key(request)
        start = 0
        if "offset" in request.query:
            start = self._read_offset(request.query["offset"], query_key)
        page = records[start : start + limit]
        next_page = None
        if start + limit < len(records):
            token = self._offset_token(start + limit, query_key)
            query = {k: v for k, v in request.query.items() if k != "offset"}
            query["offset"] = token
            path = request.path.removeprefix(API_PREFIX) + "?" + urlencode(query)
            next_page = {"offset": token, "path": path, "uri": self.base_url + path}
        data = store.select_fields(page, fields, compact_default=True)
        return json_response({"data": data, "next_page": next_page})

    @staticmethod
    def _query_key(request: web.Request) -> str:
        items = sorted((k, v) for k, v in request.query.items() if k not in ("offset", "limit"))
        return request.path + "?" + urlencode(dict(items))

    @staticmethod
    def _offset_token(index: int, query_key: str) -> str:
        raw = json.dumps({"i": index, "q": query_key}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _read_offset(token: str, query_key: str) -> int:
        try:
            padded = token + "=" * (-len(token) % 4)
            decoded = json.loads(base64.urlsafe_b64decode(padded))
            if decoded["q"] != query_key:
                raise ValueError
            return int(decoded["i"])
        except (ValueError, KeyError, TypeError):
            raise AsanaError(400, "offset: Your pagination token is invalid") from None
