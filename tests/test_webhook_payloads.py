"""Validly signed but hostile bodies get a clear 4xx (or are stored safely), never a 500; refused
requests are counted per minute and never shown under a hook id the sender merely claimed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from app.integrations.asana.webhooks import sign as asana_sign
from app.integrations.github.webhooks import sign as github_sign
from app.services import deliveries, secrets
from app.tables import WebhookDelivery, WebhookRejection
from tests import test_webhook_asana as asana_tests
from tests.support.github_payloads import PAYLOADS, signed
from tests.test_webhook_asana import SECRET as ASANA_SECRET
from tests.test_webhook_asana import _event, _post

# The Asana receiver's fixtures: a project whose webhook completed its handshake.
project = asana_tests.project
hooked = asana_tests.hooked

GITHUB_SECRET = "whsec-0123456789-abcdef"
PYTHON_PARSER_WORDS = ("Expecting", "codec", "line 1 column", "char ", "Traceback", "digits")


@pytest.fixture
async def github_project(app, make_user, make_project):
    created = await make_project(await make_user(is_admin=True))
    await secrets.write_secret(created.id, "github_webhook_secret", GITHUB_SECRET)
    return created


async def _asana_raw(app, project_id, body: bytes):
    response = await _post(
        app, project_id, body, {"X-Hook-Signature": asana_sign(body, ASANA_SECRET)}
    )
    return response.status_code, await response.get_json()


async def _github_raw(app, project_id, body: bytes, **header_overrides):
    _, headers = signed("issues", {}, GITHUB_SECRET)
    headers["X-Hub-Signature-256"] = github_sign(body, GITHUB_SECRET)
    headers.update(header_overrides)
    client = app.test_client()
    response = await client.post(f"/webhooks/github/{project_id}", data=body, headers=headers)
    return response.status_code, await response.get_json()


def _no_parser_text(answer: dict) -> None:
    detail = answer.get("detail") or ""
    assert not any(word in detail for word in PYTHON_PARSER_WORDS), detail


ASANA_WRONG_TYPES = {
    "an event that is a number": {"events": [1]},
    "events that are not a list": {"events": {"a": 1}},
    "a string resource": {"events": [{**_event(), "resource": "1300000000000009"}]},
    "an int action": {"events": [{**_event(), "action": 5}]},
    "a null action": {"events": [{**_event(), "action": None}]},
    "an int gid": {"events": [{**_event(), "resource": {"gid": 13, "resource_type": "task"}}]},
    "an int created_at": {"events": [{**_event(), "created_at": 1732400000}]},
    "a created_at that is no time": {"events": [{**_event(), "created_at": "yesterday"}]},
    "a NUL in a gid": {
        "events": [{**_event(), "resource": {"gid": "13\u0000", "resource_type": "task"}}]
    },
    "a list for the user": {"events": [{**_event(), "user": ["1"]}]},
    "a document that is a list": [1, 2],
}


@pytest.mark.parametrize("body", ASANA_WRONG_TYPES.values(), ids=ASANA_WRONG_TYPES.keys())
async def test_it_refuses_a_signed_asana_body_of_the_wrong_shape_with_400(app, hooked, body):
    status, answer = await _asana_raw(app, hooked.id, json.dumps(body).encode())
    assert status == 400 and answer["outcome"] == "malformed"
    _no_parser_text(answer)
    assert await WebhookDelivery.count() == 0
    rejection = await WebhookRejection.select(WebhookRejection.reason).first()
    assert rejection["reason"].startswith("malformed: ")


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b'{"events": [NaN]}', b"[" * 100_000])
async def test_it_refuses_unreadable_asana_bodies_without_echoing_the_parser(app, hooked, body):
    status, answer = await _asana_raw(app, hooked.id, body)
    assert status == 400
    _no_parser_text(answer)


async def test_two_different_changes_at_the_same_instant_are_both_kept(app, hooked):
    added = {**_event(action="changed", field="followers")}
    added["change"] = {
        "field": "followers",
        "action": "added",
        "added_value": {"gid": "1100000000000003", "resource_type": "user"},
    }
    removed = {**added, "change": {**added["change"], "action": "removed"}}
    removed["change"].pop("added_value")
    removed["change"]["removed_value"] = {"gid": "1100000000000003", "resource_type": "user"}
    first_field = {**_event(), "change": {"field": "custom_fields", "action": "changed"}}
    first_field["change"]["new_value"] = {
        "gid": "1400000000000001",
        "resource_type": "custom_field",
    }
    second_field = {**first_field, "change": {**first_field["change"]}}
    second_field["change"]["new_value"] = {
        "gid": "1400000000000002",
        "resource_type": "custom_field",
    }
    body = json.dumps({"events": [added, removed, first_field, second_field]}).encode()
    status, answer = await _asana_raw(app, hooked.id, body)
    assert status == 200 and answer["duplicates"] == 0
    assert await WebhookDelivery.count() == 4
    again_status, again = await _asana_raw(app, hooked.id, body)
    assert again_status == 200 and again["duplicates"] == 4


@pytest.mark.parametrize(
    "text", ["nul \u0000 inside", "lone \ud800 surrogate", "both \udfff\u0000"], ids=str
)
async def test_a_signed_github_body_with_unstorable_text_is_recorded_safely(
    app, github_project, text
):
    payload = json.loads(json.dumps(PAYLOADS["pull_request"]))
    payload["pull_request"]["head"]["ref"] = text
    payload["repository"]["full_name"] = text
    body = json.dumps(payload).encode()  # ensure_ascii: \u0000 and \ud800 as escapes
    status, answer = await _github_raw(
        app, github_project.id, body, **{"X-GitHub-Event": "pull_request"}
    )
    assert status == 202, answer
    row = await WebhookDelivery.select(WebhookDelivery.summary).first()
    summary = row["summary"] if isinstance(row["summary"], dict) else json.loads(row["summary"])
    assert "\x00" not in summary["head_ref"] and "\ufffd" in summary["head_ref"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"action": 1e400}',
        b'{"action": NaN}',
        b'{"action": -Infinity}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' + b"9" * 5000 + b"}",
        b"\xff not utf-8",
        b"{",
    ],
    ids=["1e400", "NaN", "-Infinity", "100k deep", "5000 digits", "not utf-8", "truncated"],
)
async def test_it_refuses_a_signed_github_body_it_cannot_represent_with_400(
    app, github_project, body
):
    status, answer = await _github_raw(app, github_project.id, body)
    assert status == 400 and answer["outcome"] == "malformed"
    _no_parser_text(answer)
    assert await WebhookDelivery.count() == 0


async def test_a_hook_id_longer_than_a_hook_id_is_refused_cleanly_and_recorded(app, github_project):
    body = json.dumps(PAYLOADS["issues"]).encode()
    status, answer = await _github_raw(
        app, github_project.id, body, **{"X-GitHub-Hook-ID": "9" * 65}
    )
    assert status == 400 and "X-GitHub-Hook-ID" in answer["detail"]
    rows = await WebhookRejection.select(WebhookRejection.hook_ref, WebhookRejection.hits)
    assert rows == [{"hook_ref": None, "hits": 1}]


async def test_a_forged_request_never_shows_its_claimed_hook_id_on_the_health_page(
    app, github_project, signed_in, make_user
):
    body = json.dumps(PAYLOADS["issues"]).encode()
    _, headers = signed("issues", PAYLOADS["issues"], "not-the-secret", hook_id="666")
    client = app.test_client()
    response = await client.post(
        f"/webhooks/github/{github_project.id}", data=body, headers=headers
    )
    assert response.status_code == 401
    health = await deliveries.health(github_project.id, "github", dt.datetime.now(dt.UTC))
    assert "666" not in health and health[None].failures_24h == 1


async def test_a_flood_of_refused_requests_is_counted_not_stored_row_by_row(app, github_project):
    body = json.dumps(PAYLOADS["issues"]).encode()
    _, headers = signed("issues", PAYLOADS["issues"], "not-the-secret")

    async def forge() -> int:
        response = await app.test_client().post(
            f"/webhooks/github/{github_project.id}", data=body, headers=headers
        )
        return response.status_code

    statuses = await asyncio.gather(*(forge() for _ in range(40)))
    assert set(statuses) == {401}
    rows = await WebhookRejection.select(WebhookRejection.hits)
    # A minute boundary may fall inside the burst: then two rows.
    assert len(rows) <= 2 and sum(row["hits"] for row in rows) == 40
    health = await deliveries.health(github_project.id, "github", dt.datetime.now(dt.UTC))
    assert health[None].failures_24h == 40
