"""`POST /webhooks/github/<project>`: verify over the raw body, record once, enqueue, answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from urllib.parse import urlencode

import pytest

from app.integrations.github.webhooks import sign
from app.services import deliveries, secrets
from app.tables import WebhookDelivery, WebhookRejection
from tests.support.github_payloads import MERGE_SHA, PAYLOADS, signed

SECRET = "whsec-0123456789-abcdef"


@pytest.fixture
async def project(app, make_user, make_project):
    created = await make_project(await make_user(is_admin=True))
    await secrets.write_secret(created.id, "github_webhook_secret", SECRET)
    return created


async def _post(app, project_id, body, headers):
    client = app.test_client()
    response = await client.post(f"/webhooks/github/{project_id}", data=body, headers=headers)
    return response.status_code, await response.get_json()


async def _jobs_for(delivery_id: int) -> int:
    rows = await WebhookDelivery.raw(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE args->>'delivery_id' = {}",
        str(delivery_id),
    )
    return rows[0]["n"]


async def test_a_signed_delivery_is_recorded_as_a_safe_summary_and_queued(app, project):
    body, headers = signed("pull_request", PAYLOADS["pull_request"], SECRET)
    status, answer = await _post(app, project.id, body, headers)
    assert status == 202 and answer["outcome"] == "queued"
    row = await WebhookDelivery.select().first()
    assert row["delivery_key"] == headers["X-GitHub-Delivery"]
    assert row["status"] == "pending"
    assert row["hook_ref"] == "42" and row["action"] == "closed"
    summary = row["summary"] if isinstance(row["summary"], dict) else json.loads(row["summary"])
    assert summary == {
        "repo": "acme/demo",
        "sender": "octocat",
        "pull_request": 8,
        "pr_url": "https://github.com/acme/demo/pull/8",
        "pr_state": "closed",
        "merged": True,
        "merge_commit_sha": MERGE_SHA,
        "head_sha": "3484a3fb816e0859fd6e1cea078d76385ff50625",
        "head_ref": "opencode/issue7-1732400000",
        "base_ref": "main",
        # The closing reference, parsed at receipt by the pipeline's strict parser.
        "closes": [{"keyword": "Closes", "repo": "acme/demo", "number": 7}],
    }
    assert "Closes #7" not in json.dumps(summary)  # bodies are never kept
    assert await _jobs_for(row["id"]) == 1


async def test_a_redelivery_is_recorded_and_processed_once(app, project):
    body, headers = signed("issues", PAYLOADS["issues"], SECRET, delivery="fixed-guid-1")
    first = await _post(app, project.id, body, headers)
    again = await _post(app, project.id, body, headers)
    assert first[0] == 202 and again == (200, {"outcome": "duplicate"})
    assert await WebhookDelivery.count() == 1
    delivery_id = (await WebhookDelivery.select(WebhookDelivery.id).first())["id"]
    assert await _jobs_for(delivery_id) == 1


async def test_two_copies_arriving_at_once_are_recorded_once(app, project):
    body, headers = signed("issue_comment", PAYLOADS["issue_comment"], SECRET, delivery="race")
    results = await asyncio.gather(*[_post(app, project.id, body, headers) for _ in range(8)])
    assert sorted(status for status, _ in results) == [200] * 7 + [202]
    assert await WebhookDelivery.count() == 1
    delivery_id = (await WebhookDelivery.select(WebhookDelivery.id).first())["id"]
    assert await _jobs_for(delivery_id) == 1


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda h: h.pop("X-Hub-Signature-256"), "header is missing"),
        (lambda h: h.update({"X-Hub-Signature-256": sign(b"other", SECRET)}), "does not match"),
        (lambda h: h.update({"X-Hub-Signature-256": sign(b"x", "wrong")[:-1]}), "does not match"),
        (lambda h: h.update({"X-Hub-Signature-256": "sha1=abc"}), "does not start"),
    ],
)
async def test_a_bad_or_missing_signature_is_refused_and_counted(app, project, mangle, reason):
    body, headers = signed("issues", PAYLOADS["issues"], SECRET)
    mangle(headers)
    status, answer = await _post(app, project.id, body, headers)
    assert status == 401 and answer == {"outcome": "invalid signature"}
    assert await WebhookDelivery.count() == 0
    health = await deliveries.health(project.id, "github", dt.datetime.now(dt.UTC))
    assert health["42"].failures_24h == 1 and health["42"].failing
    assert reason in health["42"].last_failure_reason


async def test_a_tampered_body_is_refused(app, project):
    body, headers = signed("issues", PAYLOADS["issues"], SECRET)
    status, _ = await _post(app, project.id, body.replace(b"closed", b"opened"), headers)
    assert status == 401


async def test_an_unknown_project_and_one_without_a_secret_answer_the_same_404(
    app, project, make_project, make_user
):
    body, headers = signed("issues", PAYLOADS["issues"], SECRET)
    unconfigured = await make_project(await make_user(is_admin=True))
    unknown = await _post(app, 999999, body, headers)
    no_secret = await _post(app, unconfigured.id, body, headers)
    assert unknown == no_secret == (404, {"outcome": "unknown"})
    assert await WebhookDelivery.count() == 0 and await WebhookRejection.count() == 0


async def test_malformed_json_with_a_valid_signature_is_a_400_never_a_500(app, project):
    body = b'{"action": "opened", "issue": '
    headers = {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": "broken-1",
        "X-Hub-Signature-256": sign(body, SECRET),
        "Content-Type": "application/json",
    }
    status, answer = await _post(app, project.id, body, headers)
    assert status == 400 and answer["outcome"] == "malformed"
    assert await WebhookRejection.count() == 1
    assert await WebhookDelivery.count() == 0


async def test_an_oversized_body_is_refused_with_413(app, project):
    app.config["AUTOFLOW_SETTINGS"] = app.config["AUTOFLOW_SETTINGS"].replace(
        webhook_max_bytes=1000
    )
    payload = dict(PAYLOADS["star"], padding="x" * 2000)
    body, headers = signed("star", payload, SECRET)
    status, answer = await _post(app, project.id, body, headers)
    assert status == 413
    assert answer == {
        "error": "That is too large",
        "detail": "webhook bodies are limited to 1000 bytes",
    }
    assert await WebhookDelivery.count() == 0


@pytest.mark.parametrize("event", sorted(PAYLOADS))
async def test_every_event_type_we_may_receive_is_acknowledged(app, project, event):
    body, headers = signed(event, PAYLOADS[event], SECRET)
    status, answer = await _post(app, project.id, body, headers)
    assert status == 202
    expected = {
        "ping": "processed",
        "push": "ignored",
        "check_suite": "ignored",
        "star": "ignored",
    }.get(event, "queued")
    assert answer["outcome"] == expected
    row = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.status).first()
    assert row["status"] == {"queued": "pending"}.get(expected, expected)
    assert await _jobs_for(row["id"]) == (1 if expected == "queued" else 0)


async def test_a_form_encoded_delivery_is_understood(app, project):
    body = urlencode({"payload": json.dumps(PAYLOADS["issues"])}).encode()
    headers = {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": "form-1",
        "X-Hub-Signature-256": sign(body, SECRET),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    status, answer = await _post(app, project.id, body, headers)
    assert status == 202 and answer["outcome"] == "queued"


async def test_a_ping_shows_in_the_hook_health(app, project):
    body, headers = signed("ping", PAYLOADS["ping"], SECRET)
    await _post(app, project.id, body, headers)
    health = await deliveries.health(project.id, "github", dt.datetime.now(dt.UTC))
    assert health["42"].deliveries_24h == 1
    assert health["42"].last_success_at is not None and not health["42"].failing
    assert health["42"].label == "acme/demo"


async def test_webhook_routes_need_no_csrf_token_but_pages_still_do(app, project):
    body, headers = signed("ping", PAYLOADS["ping"], SECRET)
    headers["Origin"] = "https://github.com"
    status, _ = await _post(app, project.id, body, headers)
    assert status == 202


async def test_a_replaced_secret_works_at_once_despite_the_per_process_cache(app, project):
    body, headers = signed("issues", PAYLOADS["issues"], SECRET)
    assert (await _post(app, project.id, body, headers))[0] == 202  # the old secret is cached
    await secrets.write_secret(project.id, "github_webhook_secret", "a-brand-new-secret-42")
    body, headers = signed("issues", PAYLOADS["issues"], "a-brand-new-secret-42")
    assert (await _post(app, project.id, body, headers))[0] == 202
