"""Sending webhook deliveries out of a sandbox server, with the delivery fault knobs applied.

Each delivery runs as a background task, as with the real services: the API call that caused
it has already answered. `settle()` waits until every delivery (and every task the sandbox
started, such as the agent simulator) is done, so tests stay deterministic without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from app.sandbox.faults import Faults

logger = logging.getLogger(__name__)

# Reference: https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
# and https://developers.asana.com/docs/webhooks-guide: both count a delivery that is not
# answered 2xx within 10 seconds as failed.
DELIVERY_TIMEOUT_SECONDS = 10.0


@dataclass
class DeliveryRecord:
    """One attempt to deliver one webhook request, as the sandbox saw it."""

    target: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None  # None when dropped, timed out or refused
    outcome: str = "pending"  # delivered, failed, timeout, unreachable, dropped
    response_headers: dict[str, str] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """Posts deliveries for one sandbox server and keeps a log of every attempt."""

    def __init__(self, faults: Faults, *, timeout_seconds: float = DELIVERY_TIMEOUT_SECONDS):
        self.faults = faults
        self.timeout_seconds = timeout_seconds
        self.log: list[DeliveryRecord] = []
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._held: list[tuple[str, Callable[[], Coroutine[Any, Any, Any]]]] = []
        # The latest delivery task per target: the next one waits for it, so deliveries arrive
        # in the order they were made unless a fault reorders them on purpose.
        self._last_by_target: dict[str, asyncio.Task[Any]] = {}

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run work in the background, after the API response that caused it."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sandbox background task failed", exc_info=task.exception())

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def settle(self) -> None:
        """Wait until no delivery or background task is running (held deliveries stay held)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def release_held(self, *, reverse: bool = True) -> int:
        """Send the held deliveries, newest first by default (out of order); returns how many."""
        held, self._held = self._held, []
        for target, send in reversed(held) if reverse else held:
            self._send_in_order(target, send)
        return len(held)

    def _send_in_order(self, target: str, send: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        previous = self._last_by_target.get(target)

        async def after_previous() -> Any:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            return await send()

        task = asyncio.get_running_loop().create_task(after_previous())
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        self._last_by_target[target] = task

    async def post(
        self,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        timeout_seconds: float | None = None,
    ) -> DeliveryRecord:
        """POST once, now, and record the result (no fault knobs: used for handshakes)."""
        assert self._session is not None, "start() the sender first"
        record = DeliveryRecord(target, dict(headers), body)
        self.log.append(record)
        try:
            async with self._session.post(
                target,
                data=body,
                headers=dict(headers),
                timeout=aiohttp.ClientTimeout(total=timeout_seconds or self.timeout_seconds),
            ) as response:
                await response.read()
                record.status = response.status
                record.response_headers = dict(response.headers)
                record.outcome = "delivered" if record.ok else "failed"
        except TimeoutError:
            record.outcome = "timeout"
        except aiohttp.ClientError:
            record.outcome = "unreachable"
        return record

    def deliver(
        self,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        attempt: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """Queue one delivery, applying the drop / duplicate / hold knobs.

        `attempt`, when given, replaces the single POST (Asana uses it to retry with backoff).
        """
        faults = self.faults
        if faults.drop_deliveries > 0:
            faults.drop_deliveries -= 1
            self.log.append(DeliveryRecord(target, dict(headers), body, outcome="dropped"))
            return
        copies = 1
        if faults.duplicate_deliveries > 0:
            faults.duplicate_deliveries -= 1
            copies = 2

        async def send_once() -> Any:
            if attempt is not None:
                return await attempt()
            return await self.post(target, headers, body)

        for _ in range(copies):
            if faults.hold_deliveries:
                self._held.append((target, send_once))
            else:
                self._send_in_order(target, send_once)
