"""Starting and stopping an aiohttp application on a loopback port, shared by the sandboxes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Where both sandbox servers keep their own control endpoints (never part of the real APIs).
CONTROL_PREFIX = "/_sandbox"


@dataclass
class ServerHandle:
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_server(app: web.Application, host: str, port: int) -> ServerHandle:
    """Serve `app` on host:port (port 0 picks a free one) and report the port it got."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]  # the real port when 0 asked for a free one
    return ServerHandle(runner, host, bound_port)


def json_response(payload: Any, *, status: int = 200, headers: dict[str, str] | None = None):
    """A JSON response written compactly, as both services do."""
    return web.Response(
        status=status,
        body=json.dumps(payload, separators=(",", ":")).encode(),
        content_type="application/json",
        headers=headers,
    )
