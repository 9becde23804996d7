"""What the `POST /_sandbox/...` control endpoints of both sandbox servers share.

The control endpoints let a script or a test outside the process drive the sandbox's world
(act as the agent or as another person, complete CI, break things on purpose, wait for quiet).
They exist only on the sandbox servers, never on the app, and take no token. Bodies are JSON
objects; a bad one answers 400 `{"error": ...}`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from app.sandbox.delivery import WebhookSender
from app.sandbox.faults import Faults
from app.sandbox.server import CONTROL_PREFIX, json_response

PREFIX = CONTROL_PREFIX


class ControlError(Exception):
    """A control request that cannot be carried out; answered 400 (or `status`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def control_error_response(error: ControlError) -> web.Response:
    return json_response({"error": error.message}, status=error.status)


async def read_json(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise ControlError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def need(data: dict[str, Any], name: str, kind: type | tuple[type, ...] = str) -> Any:
    value = data.get(name)
    if value is None or not isinstance(value, kind):
        raise ControlError(f"{name}: required ({getattr(kind, '__name__', kind)})")
    return value


FAULT_CALLS = ("fail_next", "rate_limit_next", "slow_next")
FAULT_COUNTERS = ("drop_deliveries", "duplicate_deliveries")


def apply_faults(faults: Faults, sender: WebhookSender, data: dict[str, Any]) -> dict[str, Any]:
    """Set fault knobs from a control body; returns what is now armed.

    `{"clear": true}`, `{"fail_next": {"count": 2, "status": 503, "path": "/tasks"}}`,
    `{"rate_limit_next": {"count": 1, "retry_after": 2, "primary": false}}`,
    `{"slow_next": {"count": 1, "delay_seconds": 3}}`, `{"drop_deliveries": 1}`,
    `{"duplicate_deliveries": 1}`, `{"hold_deliveries": true}`, `{"release_held": true}`.
    """
    knobs = {*FAULT_CALLS, *FAULT_COUNTERS, "clear", "hold_deliveries", "release_held", "reverse"}
    unknown = set(data) - knobs
    if unknown:
        raise ControlError(f"unknown fault knobs: {sorted(unknown)}")
    released = 0
    if data.get("clear"):
        faults.clear()
    for name in FAULT_CALLS:
        if name in data:
            options = dict(need(data, name, dict))
            count = options.pop("count", 1)
            try:
                getattr(faults, name)(count, **options)
            except TypeError as exc:
                raise ControlError(f"{name}: {exc}") from None
    for name in FAULT_COUNTERS:
        if name in data:
            setattr(faults, name, int(need(data, name, int)))
    if "hold_deliveries" in data:
        faults.hold_deliveries = bool(need(data, "hold_deliveries", bool))
    if data.get("release_held"):
        released = sender.release_held(reverse=data.get("reverse", True))
    return {
        "response_faults": [
            {"kind": f.kind, "remaining": f.remaining, "status": f.status, "path": f.path_prefix}
            for f in faults.response_faults
            if f.remaining > 0
        ],
        "drop_deliveries": faults.drop_deliveries,
        "duplicate_deliveries": faults.duplicate_deliveries,
        "hold_deliveries": faults.hold_deliveries,
        "released": released,
    }


def request_counter(counts: Counter[str], strip_prefix: str = ""):
    """A middleware counting API requests by "METHOD route template" (control ones excluded),
    so a benchmark can tell how many calls per task each endpoint took."""

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[..., Any]) -> Any:
        if not request.path.startswith(PREFIX):
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else request.path
            counts[f"{request.method} {route.removeprefix(strip_prefix)}"] += 1
        return await handler(request)

    return middleware


class ControlBase:
    """The control endpoints both servers have: seed, settle, faults and request counts."""

    faults: Faults
    sender: WebhookSender
    requests: Counter[str]  # "METHOD /route/{template}" -> API calls received
    # Set by `Sandbox` (runner.py): the seeded ids and tokens, and a settle of both servers.
    info: dict[str, Any]
    settle_all: Callable[[], Awaitable[None]]

    def control_routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", f"{PREFIX}", self.control_info),
            ("POST", f"{PREFIX}/settle", self.control_settle),
            ("POST", f"{PREFIX}/faults", self.control_faults),
            ("GET", f"{PREFIX}/requests", self.control_requests),
            ("POST", f"{PREFIX}/requests", self.control_requests),
        ]

    async def control_requests(self, request: web.Request) -> web.Response:
        """API calls received, by route; `POST {"reset": true}` starts counting afresh."""
        data = await read_json(request) if request.method == "POST" else {}
        counts = dict(self.requests)
        if data.get("reset"):
            self.requests.clear()
        return json_response({"total": sum(counts.values()), "by_route": counts})

    async def control_info(self, request: web.Request) -> web.Response:
        """The seeded world: URLs, tokens and ids."""
        return json_response(self.info)

    async def control_settle(self, request: web.Request) -> web.Response:
        """Wait until every delivery and background run of both servers has finished."""
        await self.settle_all()
        return json_response({"settled": True})

    async def control_faults(self, request: web.Request) -> web.Response:
        return json_response(apply_faults(self.faults, self.sender, await read_json(request)))
