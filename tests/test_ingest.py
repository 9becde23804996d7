"""From an acknowledged delivery to a processed one, through a real worker process — including
the delivery whose enqueue was lost when the web process died."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from app.db import engine
from app.db.engine import DB
from app.jobs.ingest import ORPHAN_AFTER
from app.services import deliveries, secrets
from app.services.deliveries import NewDelivery
from app.tables import WebhookDelivery, WebhookRejection
from tests.support.github_payloads import PAYLOADS, signed
from tests.support.processes import start_worker, stop, until
from tests.support.worker_process import build_test_queue

SECRET = "whsec-ingest-0123456789"
SWEEP_TASK = "ingest:enqueue_unqueued_deliveries"


async def _status(delivery_id: int) -> str:
    row = (
        await WebhookDelivery.select(WebhookDelivery.status)
        .where(WebhookDelivery.id == delivery_id)
        .first()
    )
    return row["status"]


@pytest.mark.slow
async def test_an_acknowledged_delivery_is_processed_by_a_worker(
    app, database_url, tmp_path, make_user, make_project
):
    project = await make_project(await make_user(is_admin=True))
    await secrets.write_secret(project.id, "github_webhook_secret", SECRET)
    body, headers = signed("issue_comment", PAYLOADS["issue_comment"], SECRET)
    response = await app.test_client().post(
        f"/webhooks/github/{project.id}", data=body, headers=headers
    )
    delivery_id = (await response.get_json())["delivery"]
    worker = start_worker("ingest", database_url, tmp_path)
    try:

        async def processed() -> bool:
            return await _status(delivery_id) == "processed"

        await until(processed, "the worker to process the delivery")
    finally:
        stop(worker)
    row = (
        await WebhookDelivery.select(WebhookDelivery.outcome)
        .where(WebhookDelivery.id == delivery_id)
        .first()
    )
    # An issue comment on an issue no task of ours owns: processed, and nothing queued for it.
    assert row["outcome"] == "no task of ours"


@pytest.mark.slow
async def test_a_pending_delivery_whose_job_is_gone_is_swept_up_and_processed(
    db, database_url, tmp_path, make_user, make_project
):
    project = await make_project(await make_user(is_admin=True))
    delivery_id = await deliveries.record(
        NewDelivery(project.id, "github", "lost-1", "issues", "opened", "42", {"issue": 1})
    )
    # Its job was removed by hand (or lost with a database restored from an older backup).
    await WebhookDelivery.raw(
        "DELETE FROM procrastinate_jobs WHERE args->>'delivery_id' = {}", str(delivery_id)
    )
    await WebhookDelivery.update(
        {WebhookDelivery.received_at: dt.datetime.now(dt.UTC) - 2 * ORPHAN_AFTER}
    ).where(WebhookDelivery.id == delivery_id)
    await engine.close_pool()

    queue = build_test_queue(database_url)
    worker = start_worker("sweeper", database_url, tmp_path)
    try:
        async with queue.open_async():
            # The periodic sweep, run now instead of at the next minute.
            await queue.configure_task(SWEEP_TASK, queueing_lock=None).defer_async(
                timestamp=int(time.time())
            )

            async def processed() -> bool:
                return await _status(delivery_id) == "processed"

            await until(processed, "the sweep to enqueue the orphaned delivery")
    finally:
        stop(worker)


async def test_a_recorded_delivery_commits_with_exactly_one_job(db, make_user, make_project):
    project = await make_project(await make_user(is_admin=True))
    pending = NewDelivery(project.id, "github", "atomic-1", "issues", "opened", "42", {})
    ignored = NewDelivery(project.id, "github", "atomic-2", "star", None, "42", {}, "ignored")
    first = await deliveries.record(pending)
    assert await deliveries.record(pending) is None  # the duplicate adds neither row nor job
    await deliveries.record(ignored)
    jobs = await WebhookDelivery.raw(
        "SELECT args->>'delivery_id' AS delivery, queueing_lock FROM procrastinate_jobs"
    )
    assert jobs == [{"delivery": str(first), "queueing_lock": f"delivery:{first}"}]


async def test_a_delivery_is_claimed_by_one_worker_at_a_time_and_only_while_pending(
    db, make_user, make_project
):
    project = await make_project(await make_user(is_admin=True))
    delivery_id = await deliveries.record(
        NewDelivery(project.id, "github", "claim-1", "issues", "opened", "42", {})
    )
    async with DB.transaction():
        assert await deliveries.claim(delivery_id) is not None
        # A second worker, on another connection, skips the locked row.
        other = await DB.get_new_connection()
        try:
            locked = await other.fetch(
                "SELECT id FROM webhook_deliveries WHERE id = $1 FOR UPDATE SKIP LOCKED",
                delivery_id,
            )
        finally:
            await other.close()
        assert locked == []
        await deliveries.finish(delivery_id, "processed", "done")
    assert await deliveries.claim(delivery_id) is None
    await deliveries.finish(delivery_id, "failed", "late duplicate")  # only pending rows change
    assert await _status(delivery_id) == "processed"


async def test_pruning_keeps_pending_deliveries_and_recent_history(db, make_user, make_project):
    project = await make_project(await make_user(is_admin=True))
    now = dt.datetime.now(dt.UTC)
    old = now - dt.timedelta(days=40)
    for key, status in [
        ("old-done", "processed"),
        ("old-pending", "pending"),
        ("new", "processed"),
    ]:
        await deliveries.record(
            NewDelivery(project.id, "github", key, "issues", None, "42", {}, status=status)
        )
    await WebhookDelivery.update({WebhookDelivery.received_at: old}).where(
        WebhookDelivery.delivery_key.is_in(["old-done", "old-pending"])
    )
    await deliveries.reject(project.id, "github", "42", "signature: stale")
    await WebhookRejection.update({WebhookRejection.rejected_at: old}, force=True)

    removed = await deliveries.prune(now, dt.timedelta(days=30))

    assert removed == {"deliveries": 1, "rejections": 1}
    keys = {r["delivery_key"] for r in await WebhookDelivery.select(WebhookDelivery.delivery_key)}
    assert keys == {"old-pending", "new"}
