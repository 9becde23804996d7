"""Each token has its own fixed one-minute window, counted in PostgreSQL: past the limit every
operation answers 429 with Retry-After, and another token is not slowed down."""

from __future__ import annotations

import pytest

from tests.api.spec import operations

LIMIT = 2


@pytest.fixture
def settings(settings):
    return settings.replace(api_rate_limit=LIMIT)


async def _until_limited(api, operation, world, tries: int):
    """Call until 429. With a fixed window, 2 * LIMIT + 1 quick calls are always enough: at
    most one minute boundary can fall among them."""
    for _ in range(tries):
        status, body, headers = await api.call(operation.method, operation.url(world))
        if status == 429:
            return body, headers
    return None, None


async def test_every_operation_answers_429_with_retry_after_past_the_limit(
    api, world, make_user, cast
):
    from app.services import api_tokens

    problems = {}
    for operation in operations():
        # A fresh token per operation, so each starts with an empty window.
        _, api.token = await api_tokens.create_token(cast["acme"].id, "t", cast["admin"].id)
        body, headers = await _until_limited(api, operation, world, 2 * LIMIT + 1)
        if body is None:
            problems[str(operation)] = "never limited"
            continue
        retry_after = int(headers["Retry-After"])
        if not 1 <= retry_after <= 60:
            problems[str(operation)] = f"Retry-After {retry_after}"
        elif body["error"]["code"] != "rate_limited" or (
            body["error"]["details"]["retry_after_seconds"] != retry_after
        ):
            problems[str(operation)] = f"body {body}"
    assert problems == {}


async def test_one_tokens_limit_does_not_slow_another(api, world, cast):
    from app.services import api_tokens

    _, second = await api_tokens.create_token(cast["acme"].id, "second", cast["admin"].id)
    for _ in range(2 * LIMIT + 1):
        await api.get("/api/v1/projects/acme")
    assert (await api.get("/api/v1/projects/acme"))[0] == 429
    assert (await api.get("/api/v1/projects/acme", token=second))[0] == 200


async def test_a_request_without_a_valid_token_counts_against_nothing(api, world):
    for _ in range(2 * LIMIT + 1):
        assert (await api.get("/api/v1/projects/acme", token="afp_nope"))[0] == 401
    assert (await api.get("/api/v1/projects/acme"))[0] == 200
