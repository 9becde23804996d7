"""A property-based fuzz run of /api/v1 with schemathesis against our own OpenAPI document:
no request it generates, valid or deliberately invalid, gets a 5xx or a response that the
document does not describe.

Schemathesis generates the cases (from the document) and judges the responses (its own
checks); the requests go through the Quart test client into the real app and PostgreSQL. The
Hypothesis loop is synchronous, so it runs in a thread and hands each request to the test's
event loop, where the app and its database pool live. Examples are bounded and derandomized:
the run is the same every time and takes seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response as CheckedResponse
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.spec import document

BASE = "http://autoflow.test"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
RUNS = [(GenerationMode.POSITIVE, 150), (GenerationMode.NEGATIVE, 100)]


@pytest.fixture
def settings(settings):
    # The fuzz run makes hundreds of calls with one token; the limit has its own tests.
    return settings.replace(api_rate_limit=1_000_000)


def _checked(kwargs: dict, status: int, headers, content: bytes) -> CheckedResponse:
    """Our test client's answer in the form schemathesis' checks read."""
    prepared = requests.Request(
        kwargs["method"],
        kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        data=kwargs.get("data"),
    ).prepare()
    grouped: dict[str, list[str]] = {}
    for name, value in headers.items():
        grouped.setdefault(name.lower(), []).append(value)
    return CheckedResponse(
        status_code=status,
        headers=grouped,
        content=content,
        request=prepared,
        elapsed=0.0,
        verify=True,
        message="",
        http_version="1.1",
        encoding="utf-8",
    )


async def _send(client, kwargs: dict) -> CheckedResponse:
    path = kwargs["url"].removeprefix(BASE)
    if kwargs.get("params"):
        path += "?" + urlencode(kwargs["params"], doseq=True)
    body = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        body["data"] = kwargs["data"]
    response = await client.open(
        path, method=kwargs["method"], headers=dict(kwargs.get("headers") or {}), **body
    )
    return _checked(kwargs, response.status_code, response.headers, await response.get_data())


def _fuzz(loop, client, token: str, mode: GenerationMode, examples: int) -> None:
    schema = schemathesis.openapi.from_dict({**document(), "servers": [{"url": BASE}]})
    strategy = schema.as_strategy(
        mode,
        path_parameters={"slug": "acme"},
        headers={"Authorization": f"Bearer {token}"},
    )
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case) -> None:
        kwargs = case.as_transport_kwargs(base_url=BASE)
        response = asyncio.run_coroutine_threadsafe(_send(client, kwargs), loop).result(60)
        case.validate_response(response, checks=checks)

    check()


@pytest.mark.parametrize(("mode", "examples"), RUNS, ids=[m.name.lower() for m, _ in RUNS])
async def test_the_fuzz_run_finds_no_server_error_and_no_answer_outside_the_document(
    app, api, world, mode, examples
):
    started = dt.datetime.now(dt.UTC)
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(_fuzz, loop, app.test_client(), api.token, mode, examples)
    assert dt.datetime.now(dt.UTC) - started < dt.timedelta(minutes=5)
