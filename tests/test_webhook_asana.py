"""`POST /webhooks/asana/<project>?resource=<gid>`: the handshake only inside a set-up window and
only with its one-time token, then signed compact events — each recorded once (Asana has no
delivery id), heartbeats noted."""

from __future__ import annotations

import json

import pytest

from app.integrations.asana.webhooks import sign
from app.services import asana_hooks
from app.tables import AsanaWebhook, WebhookDelivery, WebhookRejection

RESOURCE = "1200000000000001"
SECRET = "asana-hook-secret-0123456789abcdef"


def _event(
    action="changed",
    field="custom_fields",
    resource_type="task",
    gid="1300000000000009",
    created_at="2026-11-24T06:00:00.000Z",
):
    return {
        "action": action,
        "resource": {"gid": gid, "resource_type": resource_type},
        "parent": {"gid": RESOURCE, "resource_type": "project"} if action != "changed" else None,
        "change": {"field": field, "action": "changed"} if field else None,
        "user": {"gid": "1100000000000002", "resource_type": "user"},
        "created_at": created_at,
    }


async def _post(
    app, project_id, body: bytes, headers: dict[str, str], resource=RESOURCE, token=None
):
    client = app.test_client()
    query = f"resource={resource}" + (f"&handshake={token}" if token is not None else "")
    return await client.post(f"/webhooks/asana/{project_id}?{query}", data=body, headers=headers)


async def _deliver(app, project_id, events, secret=SECRET):
    body = json.dumps({"events": events}).encode()
    return await _post(app, project_id, body, {"X-Hook-Signature": sign(body, secret)})


@pytest.fixture
async def project(app, make_user, make_project):
    return await make_project(await make_user(is_admin=True))


@pytest.fixture
async def hooked(app, project):
    """A project whose webhook on RESOURCE completed its handshake."""
    token = await asana_hooks.open_handshake_window(project.id, RESOURCE, "https://x/target")
    assert await asana_hooks.accept_handshake(project.id, RESOURCE, token, SECRET)
    return project


async def test_a_handshake_inside_the_set_up_window_is_echoed_and_its_secret_kept_encrypted(
    app, project
):
    token = await asana_hooks.open_handshake_window(project.id, RESOURCE, "https://x/target")
    response = await _post(app, project.id, b"", {"X-Hook-Secret": SECRET}, token=token)
    assert response.status_code == 200
    assert response.headers["X-Hook-Secret"] == SECRET
    stored = await AsanaWebhook.select(AsanaWebhook.secret_ciphertext).first()
    assert SECRET not in stored["secret_ciphertext"]
    assert await asana_hooks.secret_for(project.id, RESOURCE) == SECRET
    # The window closed with the handshake: a second one, even with the token, is refused.
    again = await _post(app, project.id, b"", {"X-Hook-Secret": "planted"}, token=token)
    assert again.status_code == 403
    assert await asana_hooks.secret_for(project.id, RESOURCE) == SECRET


async def test_a_handshake_outside_any_window_is_refused_and_counted(app, project):
    response = await _post(app, project.id, b"", {"X-Hook-Secret": "planted"})
    assert response.status_code == 403
    assert "X-Hook-Secret" not in response.headers
    assert await AsanaWebhook.count() == 0
    rejection = await WebhookRejection.select(WebhookRejection.reason).first()
    assert rejection["reason"] == "handshake without our one-time token"


async def test_a_window_for_one_resource_does_not_admit_another(app, project):
    token = await asana_hooks.open_handshake_window(project.id, RESOURCE, "https://x/target")
    response = await _post(
        app, project.id, b"", {"X-Hook-Secret": "x"}, resource="999", token=token
    )
    assert response.status_code == 403


@pytest.mark.parametrize("token", [None, "", "guessed-token", "x" * 43])
async def test_inside_an_open_window_a_handshake_without_our_token_plants_nothing(
    app, project, token
):
    real = await asana_hooks.open_handshake_window(project.id, RESOURCE, "https://x/target")
    hijack = await _post(app, project.id, b"", {"X-Hook-Secret": "planted"}, token=token)
    assert hijack.status_code == 403
    assert "X-Hook-Secret" not in hijack.headers
    assert await asana_hooks.secret_for(project.id, RESOURCE) is None
    # The window stays open for the handshake Asana sends in answer to our create call.
    genuine = await _post(app, project.id, b"", {"X-Hook-Secret": SECRET}, token=real)
    assert genuine.status_code == 200
    assert await asana_hooks.secret_for(project.id, RESOURCE) == SECRET


async def test_the_token_is_stored_only_as_its_hash(app, project):
    token = await asana_hooks.open_handshake_window(project.id, RESOURCE, "https://x/target")
    row = await AsanaWebhook.select(AsanaWebhook.handshake_token_hash, AsanaWebhook.target).first()
    assert row["handshake_token_hash"] and token not in row["handshake_token_hash"]
    assert token not in row["target"]


@pytest.mark.parametrize(
    ("registered", "ours"),
    [
        ("https://x/webhooks/asana/1?resource=2", True),
        ("https://x/webhooks/asana/1?resource=2&handshake=abc", True),
        ("https://x/webhooks/asana/1?resource=2&handshake=", False),
        ("https://x/webhooks/asana/1?resource=2&handshake=a&resource=3", False),
        ("https://x/webhooks/asana/1?resource=22&handshake=abc", False),
        ("https://y/webhooks/asana/1?resource=2", False),
    ],
)
def test_an_existing_hook_is_ours_only_for_our_target_with_or_without_a_token(registered, ours):
    assert asana_hooks.is_our_target(registered, "https://x/webhooks/asana/1?resource=2") is ours


async def test_signed_events_are_recorded_once_each_and_tasks_are_queued(app, hooked):
    events = [_event(), _event(resource_type="story", field=None, action="added")]
    first = await _deliver(app, hooked.id, events)
    assert first.status_code == 200
    assert await first.get_json() == {"outcome": "recorded", "queued": 1, "duplicates": 0}
    # Asana retries a delivery it thinks failed: the same events again.
    again = await _deliver(app, hooked.id, events)
    assert await again.get_json() == {"outcome": "recorded", "queued": 0, "duplicates": 2}
    rows = await WebhookDelivery.select(
        WebhookDelivery.event, WebhookDelivery.status, WebhookDelivery.hook_ref
    ).order_by(WebhookDelivery.id)
    assert rows == [
        {"event": "task.changed", "status": "pending", "hook_ref": RESOURCE},
        {"event": "story.added", "status": "ignored", "hook_ref": RESOURCE},
    ]


async def test_the_same_change_at_another_moment_is_a_new_event(app, hooked):
    await _deliver(app, hooked.id, [_event(created_at="2026-11-24T06:00:00.000Z")])
    await _deliver(app, hooked.id, [_event(created_at="2026-11-24T06:00:01.000Z")])
    assert await WebhookDelivery.count() == 2


async def test_a_heartbeat_is_recorded_and_dated(app, hooked):
    response = await _deliver(app, hooked.id, [])
    assert (await response.get_json())["outcome"] == "heartbeat"
    row = await AsanaWebhook.select(AsanaWebhook.last_heartbeat_at).first()
    assert row["last_heartbeat_at"] is not None
    assert await WebhookDelivery.count().where(WebhookDelivery.event == "heartbeat") == 1


async def test_a_bad_signature_is_refused_and_an_unknown_hook_answers_404(app, hooked):
    bad = await _deliver(app, hooked.id, [_event()], secret="wrong")
    assert bad.status_code == 401
    body = json.dumps({"events": [_event()]}).encode()
    missing = await _post(app, hooked.id, body, {})
    assert missing.status_code == 401
    unknown_resource = await _post(
        app, hooked.id, body, {"X-Hook-Signature": sign(body, SECRET)}, resource="42"
    )
    unknown_project = await _post(app, 987654, body, {"X-Hook-Signature": sign(body, SECRET)})
    assert unknown_resource.status_code == unknown_project.status_code == 404
    assert await WebhookDelivery.count() == 0
    assert await WebhookRejection.count() == 2


async def test_a_malformed_body_with_a_valid_signature_is_a_400(app, hooked):
    body = b'{"events": "nope"}'
    response = await _post(app, hooked.id, body, {"X-Hook-Signature": sign(body, SECRET)})
    assert response.status_code == 400
    assert await WebhookDelivery.count() == 0


async def test_events_arriving_out_of_order_are_each_recorded(app, hooked):
    later = _event(field="name", created_at="2026-11-24T06:00:05.000Z")
    earlier = _event(field="notes", created_at="2026-11-24T06:00:01.000Z")
    await _deliver(app, hooked.id, [later])
    await _deliver(app, hooked.id, [earlier])
    summaries = await WebhookDelivery.select(WebhookDelivery.summary).order_by(WebhookDelivery.id)
    fields = [
        json.loads(s["summary"]) if isinstance(s["summary"], str) else s["summary"]
        for s in summaries
    ]
    assert [f["field"] for f in fields] == ["name", "notes"]
