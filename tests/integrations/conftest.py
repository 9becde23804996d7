"""The sandbox fixtures, for this folder only (tests/conftest.py belongs to the app)."""

from app.integrations.sandbox.pytest_plugin import (  # noqa: F401 -- fixtures used by name
    asana_client,
    github_client,
    http_session,
    recorded_sleeps,
    retry_policy,
    sandbox,
    webhook_receiver,
)
