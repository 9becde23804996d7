"""Pytest fixtures that start the sandbox and point real clients at it.

Use from any test folder: add `pytest_plugins = ["app.sandbox.pytest_plugin"]` to
the top-level `tests/conftest.py` (pytest only allows `pytest_plugins` there), or import the
fixtures you need into a folder's conftest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from app.integrations.asana.client import AsanaClient
from app.integrations.github.client import GitHubClient
from app.integrations.http import RetryPolicy
from app.sandbox.receiver import WebhookReceiver
from app.sandbox.runner import Sandbox


class RecordedSleeps:
    """Stands in for asyncio.sleep in a client's RetryPolicy: remembers the waits, skips them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def recorded_sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def retry_policy(recorded_sleeps: RecordedSleeps) -> RetryPolicy:
    """Three attempts, short timeouts, and waits recorded instead of slept."""
    return RetryPolicy(
        max_attempts=3, max_wait_seconds=120.0, timeout_seconds=2.0, sleep=recorded_sleeps
    )


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """Both sandboxes on free loopback ports, freshly seeded for each test."""
    running = Sandbox()
    # Keep failure paths quick: Asana's handshake wait and redelivery backoff, compressed.
    running.asana.handshake_timeout_seconds = 1.0
    running.asana.delivery_retry_delays = (0.0, 0.0)
    await running.start()
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
def autopilot(sandbox: Sandbox) -> Sandbox:
    """The `sandbox`, with the agent's autopilot on and no delays: the agent's pull requests
    merge and CI passes (or follows `sandbox.github.autopilot.configure(script=[...])`)."""
    sandbox.github.autopilot.configure(enabled=True, merge_delay_seconds=0, ci_delay_seconds=0)
    return sandbox


@pytest_asyncio.fixture
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def asana_client(
    sandbox: Sandbox, http_session: aiohttp.ClientSession, retry_policy: RetryPolicy
) -> AsanaClient:
    return sandbox.asana_client(http_session, policy=retry_policy)


@pytest.fixture
def github_client(
    sandbox: Sandbox, http_session: aiohttp.ClientSession, retry_policy: RetryPolicy
) -> GitHubClient:
    return sandbox.github_client(http_session, policy=retry_policy)


@pytest_asyncio.fixture
async def webhook_receiver() -> AsyncIterator[WebhookReceiver]:
    """A loopback endpoint that records deliveries and answers Asana's handshake."""
    receiver = WebhookReceiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.close()
