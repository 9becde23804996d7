"""The Asana sandbox: Asana's REST paths under `/api/1.0`, served from an in-memory world.

This module holds the server: its lifecycle, routes, authentication and error rendering. The
handlers live in endpoint groups it composes (`asana_workspace_endpoints`,
`asana_task_endpoints`, `asana_webhook_endpoints`), each naming the API reference it follows;
the request and response conventions they share are in `asana_api.py`, and the events that
changes cause are built and delivered by `asana_events.py`. `/_sandbox/...` (outside
`/api/1.0`) are the control endpoints (`asana_control.py`), which need no token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from app.sandbox import asana_store as store
from app.sandbox.asana_api import (
    API_PREFIX,
    USER_GID,
    AsanaError,
    error_response,
    render_fault,
)
from app.sandbox.asana_control import AsanaControl
from app.sandbox.asana_event_endpoints import EventEndpoints
from app.sandbox.asana_events import AsanaEventSender
from app.sandbox.asana_task_endpoints import TaskEndpoints
from app.sandbox.asana_webhook_endpoints import WebhookEndpoints
from app.sandbox.asana_workspace_endpoints import WorkspaceEndpoints
from app.sandbox.control import PREFIX, ControlError, control_error_response, request_counter
from app.sandbox.delivery import WebhookSender
from app.sandbox.faults import Faults, fault_middleware
from app.sandbox.server import ServerHandle, start_server

HANDSHAKE_TIMEOUT_SECONDS = 10.0

Handler = Callable[[web.Request], Any]


class AsanaSandbox(
    WorkspaceEndpoints, TaskEndpoints, WebhookEndpoints, EventEndpoints, AsanaControl
):
    """One Asana account in memory, served over HTTP."""

    def __init__(self) -> None:
        self.world = store.AsanaWorld()
        self.faults = Faults()
        self.sender = WebhookSender(self.faults)
        self.handshake_timeout_seconds = HANDSHAKE_TIMEOUT_SECONDS
        self.events = AsanaEventSender(self.world, self.sender)
        self.info: dict[str, Any] = {}
        self.requests: Counter[str] = Counter()
        self.settle_all = self.settle
        self._handle: ServerHandle | None = None
        self.app = self._build_app()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What a client uses in place of https://app.asana.com/api/1.0."""
        assert self._handle is not None, "start() the sandbox first"
        return self._handle.url + API_PREFIX

    @property
    def control_url(self) -> str:
        """Where this server's `/_sandbox/...` control endpoints are."""
        assert self._handle is not None, "start() the sandbox first"
        return self._handle.url + PREFIX

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await self.sender.start()
        self._handle = await start_server(self.app, host, port)

    async def close(self) -> None:
        await self.sender.close()
        if self._handle is not None:
            await self._handle.close()

    async def settle(self) -> None:
        await self.sender.settle()

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                request_counter(self.requests, API_PREFIX),
                self._errors_middleware,
                fault_middleware(self.faults, render_fault, strip_prefix=API_PREFIX),
                self._auth_middleware,
            ]
        )
        for method, path, handler in self.api_routes():
            app.router.add_route(method, API_PREFIX + path, handler)
        for method, path, handler in self.asana_control_routes():
            app.router.add_route(method, path, handler)
        return app

    def api_routes(self) -> list[tuple[str, str, Handler]]:
        """Asana's REST routes this sandbox serves, under /api/1.0 (the contract tests walk
        this list)."""
        return [
            ("GET", "/users/me", self.get_me),
            ("GET", "/workspaces", self.list_workspaces),
            ("GET", "/projects", self.list_projects),
            ("GET", "/projects/{gid}", self.get_project),
            ("GET", "/projects/{gid}/custom_field_settings", self.list_custom_field_settings),
            ("GET", "/custom_fields/{gid}", self.get_custom_field),
            ("POST", "/custom_fields/{gid}/enum_options", self.create_enum_option),
            ("GET", "/projects/{gid}/tasks", self.list_project_tasks),
            ("GET", "/tasks", self.list_tasks),
            ("POST", "/tasks", self.create_task),
            ("GET", "/tasks/{gid}", self.get_task),
            ("PUT", "/tasks/{gid}", self.update_task),
            ("DELETE", "/tasks/{gid}", self.delete_task),
            ("GET", "/tasks/{gid}/stories", self.list_stories),
            ("POST", "/tasks/{gid}/stories", self.create_story),
            ("GET", "/webhooks", self.list_webhooks),
            ("POST", "/webhooks", self.create_webhook),
            ("GET", "/webhooks/{gid}", self.get_webhook),
            ("PUT", "/webhooks/{gid}", self.update_webhook),
            ("DELETE", "/webhooks/{gid}", self.delete_webhook),
            ("GET", "/events", self.get_events),
        ]

    @web.middleware
    async def _errors_middleware(self, request: web.Request, handler: Handler):
        try:
            return await handler(request)
        except ControlError as exc:
            return control_error_response(exc)
        except AsanaError as exc:
            return error_response(exc.status, exc.message, exc.headers)
        except web.HTTPNotFound:
            return error_response(404, "Not Found")
        except web.HTTPMethodNotAllowed:
            return error_response(405, "Method Not Allowed")

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler):
        if request.path.startswith(PREFIX):
            return await handler(request)  # the sandbox's own control endpoints
        # Reference: https://developers.asana.com/docs/personal-access-token (Bearer token)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user_gid = self.world.tokens.get(token) if scheme.lower() == "bearer" else None
        if user_gid is None:
            raise AsanaError(401, "Not Authorized")
        request[USER_GID] = user_gid
        return await handler(request)

    # -- events out ---------------------------------------------------------------------------

    @property
    def delivery_retry_delays(self) -> tuple[float, ...]:
        """Waits between redeliveries; when all fail, the webhook is deleted."""
        return self.events.delivery_retry_delays

    @delivery_retry_delays.setter
    def delivery_retry_delays(self, delays: tuple[float, ...]) -> None:
        self.events.delivery_retry_delays = tuple(delays)

    @property
    def deleted_webhooks(self) -> list[store.Webhook]:
        """Webhooks Asana deleted because every delivery attempt failed."""
        return self.events.deleted_webhooks

    async def send_heartbeats(self) -> None:
        """Send each webhook the empty delivery Asana sends about every 8 hours, and wait."""
        self.events.send_heartbeats()
        await self.settle()
