"""How the Asana sandbox sends webhooks: handshake, duplicates, compact signed events, failures."""

import json

import pytest

from app.integrations.asana.webhooks import parse_events, verify_request
from app.integrations.errors import PermissionDenied, ValidationFailed

TASK_FILTERS = [
    {"resource_type": "task", "action": "changed", "fields": ["completed", "custom_fields"]}
]


async def test_the_handshake_arrives_before_the_create_call_returns(
    asana_client, sandbox, webhook_receiver
):
    webhook = await asana_client.create_webhook(sandbox.seed.project_gid, webhook_receiver.url())

    handshakes = [r for r in webhook_receiver.requests if r.hook_secret]
    assert len(handshakes) == 1
    assert webhook.resource_gid == sandbox.seed.project_gid and webhook.active
    # The secret is only ever sent in that handshake, and it is what signs later events.
    assert sandbox.asana.world.webhooks[webhook.gid].secret == handshakes[0].hook_secret


async def test_a_receiver_that_waits_for_the_create_call_makes_it_fail(
    asana_client, sandbox, webhook_receiver
):
    webhook_receiver.handshake = "block"

    with pytest.raises(ValidationFailed, match="handshake"):
        await asana_client.create_webhook(sandbox.seed.project_gid, webhook_receiver.url())

    webhook_receiver.unblock()
    assert sandbox.asana.world.webhooks == {}


async def test_a_handshake_answered_without_the_secret_makes_create_fail(
    asana_client, sandbox, webhook_receiver
):
    webhook_receiver.handshake = "refuse"

    with pytest.raises(ValidationFailed):
        await asana_client.create_webhook(sandbox.seed.project_gid, webhook_receiver.url())


async def test_a_second_webhook_for_the_same_resource_and_target_is_forbidden(
    asana_client, sandbox, webhook_receiver
):
    seed = sandbox.seed
    await asana_client.create_webhook(seed.project_gid, webhook_receiver.url())

    with pytest.raises(PermissionDenied):
        await asana_client.create_webhook(seed.project_gid, webhook_receiver.url())
    other_target = await asana_client.create_webhook(
        seed.project_gid, webhook_receiver.url("/other")
    )
    assert other_target.target.endswith("/other")


async def test_it_lists_and_deletes_webhooks(asana_client, sandbox, webhook_receiver):
    seed = sandbox.seed
    webhook = await asana_client.create_webhook(
        seed.project_gid, webhook_receiver.url(), filters=TASK_FILTERS
    )

    listed = await asana_client.list_webhooks(seed.workspace_gid, resource_gid=seed.project_gid)
    await asana_client.delete_webhook(webhook.gid)

    assert [w.gid for w in listed] == [webhook.gid]
    assert listed[0].filters == tuple(TASK_FILTERS)
    assert await asana_client.list_webhooks(seed.workspace_gid) == []


async def test_task_changes_arrive_as_signed_compact_events(
    asana_client, sandbox, webhook_receiver
):
    seed = sandbox.seed
    await asana_client.create_webhook(
        seed.project_gid, webhook_receiver.url(), filters=TASK_FILTERS
    )
    secret = webhook_receiver.secrets["/hooks"]
    task = await asana_client.create_task(seed.project_gid, "Ship it")

    await asana_client.update_task(task.gid, completed=True)
    sandbox.asana.edit_task(task.gid, by_user_gid=seed.asana_person_gid, notes="edited in the UI")
    await sandbox.settle()

    deliveries = webhook_receiver.events_for("/hooks")
    assert len(deliveries) == 1  # "added" and the notes change do not pass the filters
    verify_request(deliveries[0].headers, deliveries[0].body, secret)
    (event,) = parse_events(deliveries[0].body)
    assert (event.action, event.resource_gid, event.changed_field) == (
        "changed",
        task.gid,
        "completed",
    )
    assert event.user_gid == seed.asana_user_gid and event.created_at is not None
    raw = json.loads(deliveries[0].body)["events"][0]
    assert "new_value" not in raw["change"] and "completed" not in raw["resource"]


async def test_an_unfiltered_project_webhook_sees_added_tasks_and_comments(
    asana_client, sandbox, webhook_receiver
):
    seed = sandbox.seed
    await asana_client.create_webhook(seed.project_gid, webhook_receiver.url())
    task = await asana_client.create_task(seed.project_gid, "Ship it")
    await asana_client.add_comment(task.gid, "hello")
    await sandbox.settle()

    events = [e for d in webhook_receiver.events_for() for e in parse_events(d.body)]
    assert [(e.action, e.resource_type, e.parent_type) for e in events] == [
        ("added", "task", "project"),
        ("added", "story", "task"),
    ]


async def test_heartbeats_are_signed_empty_deliveries(asana_client, sandbox, webhook_receiver):
    await asana_client.create_webhook(sandbox.seed.project_gid, webhook_receiver.url())

    await sandbox.asana.send_heartbeats()

    (heartbeat,) = webhook_receiver.events_for()
    verify_request(heartbeat.headers, heartbeat.body, webhook_receiver.secrets["/hooks"])
    assert parse_events(heartbeat.body) == []


async def test_a_failed_delivery_is_retried(asana_client, sandbox, webhook_receiver):
    await asana_client.create_webhook(sandbox.seed.project_gid, webhook_receiver.url())
    webhook_receiver.fail_next = 1

    await sandbox.asana.send_heartbeats()

    assert len(webhook_receiver.events_for()) == 2
    webhook = next(iter(sandbox.asana.world.webhooks.values()))
    assert webhook.last_failure_at is not None and webhook.last_success_at is not None


async def test_a_webhook_whose_deliveries_keep_failing_is_deleted(
    asana_client, sandbox, webhook_receiver
):
    seed = sandbox.seed
    webhook = await asana_client.create_webhook(seed.project_gid, webhook_receiver.url())
    webhook_receiver.fail_next = 100

    await sandbox.asana.send_heartbeats()

    assert await asana_client.list_webhooks(seed.workspace_gid) == []
    assert [w.gid for w in sandbox.asana.deleted_webhooks] == [webhook.gid]


async def test_delivery_faults_drop_duplicate_and_reorder(asana_client, sandbox, webhook_receiver):
    seed = sandbox.seed
    faults = sandbox.asana.faults
    await asana_client.create_webhook(seed.project_gid, webhook_receiver.url())
    task = await asana_client.create_task(seed.project_gid, "Ship it")
    await sandbox.settle()
    webhook_receiver.requests.clear()

    faults.drop_deliveries = 1
    sandbox.asana.edit_task(task.gid, name="dropped")
    faults.duplicate_deliveries = 1
    sandbox.asana.edit_task(task.gid, notes="twice")
    faults.hold_deliveries = True
    sandbox.asana.edit_task(task.gid, completed=True)
    sandbox.asana.edit_task(task.gid, name="renamed")
    faults.hold_deliveries = False
    await sandbox.settle()
    sandbox.asana.sender.release_held()
    await sandbox.settle()

    fields = [parse_events(r.body)[0].changed_field for r in webhook_receiver.events_for()]
    # dropped: gone for good; duplicated: twice; held: released newest first
    assert fields == ["notes", "notes", "name", "completed"]


async def test_the_api_can_be_told_to_answer_429_with_retry_after(sandbox, http_session):
    sandbox.asana.faults.rate_limit_next(1, retry_after=3)

    async with http_session.get(
        f"{sandbox.asana.base_url}/workspaces",
        headers={"Authorization": "Bearer asana-sandbox-token"},
    ) as response:
        body = await response.json()

    assert response.status == 429 and response.headers["Retry-After"] == "3"
    assert body["errors"][0]["message"]


async def test_an_invalid_offset_is_refused(sandbox, http_session):
    url = (
        f"{sandbox.asana.base_url}/tasks?project={sandbox.seed.project_gid}&limit=10&offset=garbage"
    )
    async with http_session.get(
        url, headers={"Authorization": "Bearer asana-sandbox-token"}
    ) as response:
        assert response.status == 400


async def test_a_list_without_opt_fields_returns_compact_records(sandbox, http_session):
    sandbox.asana.world.add_task(sandbox.seed.project_gid, "Compact")
    url = f"{sandbox.asana.base_url}/tasks?project={sandbox.seed.project_gid}&limit=10"
    async with http_session.get(
        url, headers={"Authorization": "Bearer asana-sandbox-token"}
    ) as response:
        body = await response.json()

    (record,) = body["data"]
    assert set(record) <= {"gid", "name", "resource_type", "resource_subtype"}
    assert body["next_page"] is None
