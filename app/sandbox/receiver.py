"""A loopback server that receives what the sandboxes deliver, for tests, demos and curl.

It plays the part of our own webhook endpoints when the web app is not running: it records
every request, answers Asana's handshake as configured, and can be told to fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from app.integrations.asana.webhooks import HOOK_SECRET_HEADER
from app.sandbox.server import ServerHandle, start_server

WAIT_SECONDS = 5.0  # how long `wait_for` looks before giving up


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def hook_secret(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "x-hook-secret"), None)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class WebhookReceiver:
    """Records deliveries; `handshake` is "echo" (answer it), "refuse" (200 without the header)
    or "block" (never answer until `unblock()`: what a receiver that waits for its own create
    call to return would do)."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.handshake = "echo"
        self.secrets: dict[str, str] = {}  # path -> the X-Hook-Secret it was sent
        self.fail_next = 0  # answer the next N non-handshake requests with `fail_status`
        self.fail_status = 500
        self.delay_seconds = 0.0
        self._unblocked = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._handle: ServerHandle | None = None

    @property
    def base_url(self) -> str:
        assert self._handle is not None, "start() the receiver first"
        return self._handle.url

    def url(self, path: str = "/hooks") -> str:
        return self.base_url + path

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._receive)
        self._handle = await start_server(app, host, port)

    async def close(self) -> None:
        self._unblocked.set()
        if self._handle is not None:
            await self._handle.close()

    def unblock(self) -> None:
        self._unblocked.set()

    def events_for(self, path: str = "/hooks") -> list[ReceivedRequest]:
        """Everything delivered to `path` except handshakes."""
        return [r for r in self.requests if r.path == path and r.hook_secret is None]

    async def wait_for(
        self, predicate: Callable[[ReceivedRequest], bool], *, within_seconds: float = WAIT_SECONDS
    ) -> ReceivedRequest:
        """The first recorded request matching `predicate`, waiting for it when needed."""

        def find() -> ReceivedRequest | None:
            return next((r for r in self.requests if predicate(r)), None)

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(find), within_seconds)
        found = find()
        assert found is not None
        return found

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        received = ReceivedRequest(request.path, dict(request.headers), body)
        self.requests.append(received)
        async with self._arrived:
            self._arrived.notify_all()
        secret = received.hook_secret
        if secret is not None:
            if self.handshake == "block":
                await self._unblocked.wait()
                return web.Response(status=503)
            if self.handshake == "refuse":
                return web.Response(status=200)
            self.secrets[request.path] = secret
            return web.Response(status=204, headers={HOOK_SECRET_HEADER: secret})
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=self.fail_status)
        return web.Response(status=200, text="ok")
