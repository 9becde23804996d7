"""Scripted misbehaviour for a sandbox server: failing API responses and unreliable deliveries.

Faults are counted, not random, so a test that asks for "the next two requests answer 500" gets
exactly that, every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from app.sandbox.server import CONTROL_PREFIX


@dataclass
class ResponseFault:
    """The next `remaining` matching requests are answered with this fault instead."""

    kind: str  # "status", "rate_limit" or "delay"
    remaining: int
    status: int = 500
    retry_after: int = 1
    delay_seconds: float = 0.0
    path_prefix: str | None = None
    method: str | None = None
    primary: bool = False  # GitHub only: a primary limit (reset header) instead of a secondary one

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass
class Faults:
    """The knobs one sandbox server reads; change them between steps of a scenario."""

    response_faults: list[ResponseFault] = field(default_factory=list)
    # Outgoing webhook deliveries:
    drop_deliveries: int = 0  # the next N deliveries are silently never sent
    duplicate_deliveries: int = 0  # the next N deliveries are sent twice
    hold_deliveries: bool = False  # keep deliveries back until `release_held()` is called

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next `count` matching API requests with `status` (a 5xx by default)."""
        self.response_faults.append(
            ResponseFault("status", count, status=status, path_prefix=path, method=method)
        )

    def rate_limit_next(
        self,
        count: int = 1,
        *,
        retry_after: int = 1,
        path: str | None = None,
        method: str | None = None,
        primary: bool = False,
    ) -> None:
        """Answer the next `count` matching API requests as rate limited."""
        self.response_faults.append(
            ResponseFault(
                "rate_limit",
                count,
                retry_after=retry_after,
                path_prefix=path,
                method=method,
                primary=primary,
            )
        )

    def slow_next(
        self,
        count: int = 1,
        *,
        delay_seconds: float,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Delay the next `count` matching API responses by `delay_seconds`."""
        self.response_faults.append(
            ResponseFault(
                "delay", count, delay_seconds=delay_seconds, path_prefix=path, method=method
            )
        )

    def take(self, method: str, path: str) -> ResponseFault | None:
        for fault in self.response_faults:
            if fault.remaining > 0 and fault.matches(method, path):
                fault.remaining -= 1
                return fault
        return None

    def clear(self) -> None:
        self.response_faults.clear()
        self.drop_deliveries = 0
        self.duplicate_deliveries = 0
        self.hold_deliveries = False


# Renders the service's own answer for a status or rate-limit fault.
FaultRenderer = Callable[[ResponseFault], web.Response]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fault_middleware(faults: Faults, render: FaultRenderer, *, strip_prefix: str = ""):
    """An aiohttp middleware that applies the scripted response faults before the handler."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)  # the control endpoints never misbehave
        path = request.path.removeprefix(strip_prefix) or "/"
        fault = faults.take(request.method, path)
        if fault is None:
            return await handler(request)
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay_seconds)
            return await handler(request)
        return render(fault)

    return middleware
