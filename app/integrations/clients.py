"""The app's Asana and GitHub clients, built on the process's one aiohttp session with the base
URLs from the settings (AUTOFLOW_ASANA_API_URL, AUTOFLOW_GITHUB_API_URL), so the demo and the
tests reach the sandbox by changing two variables. Every call they make is counted in
PostgreSQL for /metrics (`app.services.outbound_calls`)."""

from __future__ import annotations

import aiohttp

from app.integrations.asana.client import AsanaClient
from app.integrations.github.client import GitHubClient
from app.integrations.http import RetryPolicy
from app.services import outbound_calls
from app.settings import Settings

# A person is waiting on the settings page: one retry at most, short waits, a short timeout.
INTERACTIVE_POLICY = RetryPolicy(max_attempts=2, max_wait_seconds=2.0, timeout_seconds=8.0)


def asana_client(
    session: aiohttp.ClientSession,
    settings: Settings,
    token: str,
    *,
    policy: RetryPolicy | None = None,
) -> AsanaClient:
    client = AsanaClient(session, token, base_url=settings.asana_api_url, policy=policy)
    client.transport.observer = outbound_calls.record
    return client


def github_client(
    session: aiohttp.ClientSession,
    settings: Settings,
    token: str,
    *,
    policy: RetryPolicy | None = None,
) -> GitHubClient:
    client = GitHubClient(session, token, base_url=settings.github_api_url, policy=policy)
    client.transport.observer = outbound_calls.record
    return client
