"""Webhook deliveries: record once, claim for processing, sweep, prune, and report health.

The delivery row is the source of truth for "we acknowledged this": it is committed before we
answer 2xx. Duplicates (the same GitHub delivery id, the same Asana event) are dropped by the
unique constraint, so two copies arriving at once are recorded once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from app.db.engine import fetch
from app.jobs.defer import PROCESS_DELIVERY, defer_one_sql
from app.tables import AsanaWebhook, WebhookDelivery, WebhookRejection

HEALTH_WINDOW = dt.timedelta(hours=24)

# Per hook: last delivery and success, last failure (a refused request or a delivery whose
# processing failed) with its reason, and counts over the health window.
HEALTH_QUERY = """
WITH refs AS (
    SELECT DISTINCT hook_ref FROM webhook_deliveries WHERE project = $1 AND source = $2
    UNION
    SELECT DISTINCT hook_ref FROM webhook_rejections WHERE project = $1 AND source = $2
)
SELECT refs.hook_ref,
       d.last_delivery_at, d.last_success_at, d.deliveries_24h, d.label,
       f.last_failure_at, f.failures_24h, f.last_failure_reason
  FROM refs
  LEFT JOIN LATERAL (
      SELECT max(received_at) AS last_delivery_at,
             max(received_at) FILTER (WHERE status <> 'failed') AS last_success_at,
             count(*) FILTER (WHERE received_at >= $3) AS deliveries_24h,
             (array_agg(summary->>'repo' ORDER BY received_at DESC)
                 FILTER (WHERE summary ? 'repo'))[1] AS label
        FROM webhook_deliveries
       WHERE project = $1 AND source = $2 AND hook_ref IS NOT DISTINCT FROM refs.hook_ref
  ) d ON true
  LEFT JOIN LATERAL (
      SELECT max(at) AS last_failure_at,
             sum(hits) FILTER (WHERE at >= $3) AS failures_24h,
             (array_agg(reason ORDER BY at DESC))[1] AS last_failure_reason
        FROM (
            SELECT rejected_at AS at, reason, hits FROM webhook_rejections
             WHERE project = $1 AND source = $2 AND hook_ref IS NOT DISTINCT FROM refs.hook_ref
            UNION ALL
            SELECT processed_at, outcome, 1 FROM webhook_deliveries
             WHERE project = $1 AND source = $2 AND status = 'failed'
               AND hook_ref IS NOT DISTINCT FROM refs.hook_ref
        ) failures
  ) f ON true
"""


@dataclass(frozen=True)
class NewDelivery:
    project_id: int
    source: str
    delivery_key: str
    event: str
    action: str | None
    hook_ref: str | None
    summary: dict[str, Any]
    status: str = "pending"
    outcome: str | None = None


PROCESS_TASK = PROCESS_DELIVERY

_INSERT = """
    INSERT INTO webhook_deliveries
        (project, source, delivery_key, event, action, hook_ref, summary, status, outcome,
         received_at, processed_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::varchar, $9, now(),
            CASE WHEN $8::varchar = 'pending' THEN NULL ELSE now() END)
    ON CONFLICT (project, source, delivery_key) DO NOTHING
    RETURNING id, status
"""

# One statement, one round trip: the delivery row and, when it is to be processed, its job
# (see app/jobs/defer.py) commit together or not at all. A duplicate inserts nothing and defers
# nothing.
_DEFER_PROCESSING = defer_one_sql(
    PROCESS_DELIVERY,
    args_sql="jsonb_build_object('delivery_id', delivery.id)",
    queueing_lock_sql="'delivery:' || delivery.id",
)
RECORD_AND_ENQUEUE = f"""
WITH delivery AS ({_INSERT})
SELECT delivery.id,
       CASE WHEN delivery.status = 'pending' THEN {_DEFER_PROCESSING} END AS job_id
  FROM delivery
"""  # noqa: S608 - built from module constants only


def _params(delivery: NewDelivery) -> list[Any]:
    return [
        delivery.project_id,
        delivery.source,
        delivery.delivery_key,
        delivery.event,
        delivery.action,
        delivery.hook_ref,
        json.dumps(delivery.summary),
        delivery.status,
        delivery.outcome,
    ]


async def record(delivery: NewDelivery) -> int | None:
    """Record a delivery; a pending one gets its processing job in the same statement.
    Returns its id, or None when it was already recorded."""
    rows = await fetch(RECORD_AND_ENQUEUE, *_params(delivery))
    return rows[0]["id"] if rows else None


# One upsert per refused request: a flood adds hits to the minute's row instead of rows. A hook
# id the sender only claims is kept when a verified delivery already came from that hook, so a
# forger cannot put hooks of their own invention on the health page.
_REJECT = """
    INSERT INTO webhook_rejections (project, source, hook_ref, reason, rejected_at, hits, bucket)
    VALUES ($1::integer, $2::varchar,
            CASE WHEN $5::boolean OR EXISTS (
                     SELECT 1 FROM webhook_deliveries
                      WHERE project = $1::integer AND source = $2::varchar
                        AND hook_ref = $3::varchar)
                 THEN $3::varchar END,
            $4::varchar, now(), 1, date_trunc('minute', now()))
    ON CONFLICT (project, source, (coalesce(hook_ref, '')), reason, bucket)
    DO UPDATE SET hits = webhook_rejections.hits + 1, rejected_at = EXCLUDED.rejected_at
"""


async def reject(
    project_id: int, source: str, hook_ref: str | None, reason: str, *, known_hook: bool = False
) -> None:
    """Count a refused request. `known_hook`: `hook_ref` is one of ours (an Asana resource with
    a stored secret); otherwise it is the sender's claim and kept only for a hook that has
    delivered verified requests before."""
    await fetch(_REJECT, project_id, source, hook_ref, reason[:200], known_hook)


async def without_live_job(received_before: dt.datetime, limit: int = 500) -> list[int]:
    """Pending deliveries, received before the given time, whose job is gone (cancelled or
    removed by hand, or lost with a database restored from an older backup)."""
    rows = await fetch(
        """
        SELECT d.id FROM webhook_deliveries d
         WHERE d.status = 'pending' AND d.received_at < $1
           AND NOT EXISTS (
               SELECT 1 FROM procrastinate_jobs j
                WHERE j.task_name = $2 AND (j.args->>'delivery_id')::bigint = d.id
                  AND j.status IN ('todo', 'doing'))
         ORDER BY d.id
         LIMIT $3
        """,
        received_before,
        PROCESS_TASK,
        limit,
    )
    return [row["id"] for row in rows]


async def claim(delivery_id: int) -> dict[str, Any] | None:
    """Lock a pending delivery for processing inside the caller's transaction; None when it
    is already done or another worker holds it."""
    rows = await WebhookDelivery.raw(
        """
        SELECT id, project, source, event, action, hook_ref, summary
          FROM webhook_deliveries
         WHERE id = {} AND status = 'pending'
         FOR UPDATE SKIP LOCKED
        """,
        delivery_id,
    )
    if not rows:
        return None
    row = rows[0]
    if isinstance(row["summary"], str):
        row["summary"] = json.loads(row["summary"])
    return row


async def finish(delivery_id: int, status: str, outcome: str) -> None:
    await WebhookDelivery.update(
        {
            WebhookDelivery.status: status,
            WebhookDelivery.outcome: outcome[:500],
            WebhookDelivery.processed_at: dt.datetime.now(dt.UTC),
        }
    ).where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.status == "pending"))


async def prune(now: dt.datetime, retention: dt.timedelta) -> dict[str, int]:
    """Delete finished deliveries and refused requests older than the retention period.
    Pending deliveries are never deleted: they have not been processed yet."""
    cutoff = now - retention
    deliveries = (
        await WebhookDelivery.delete()
        .where((WebhookDelivery.received_at < cutoff) & (WebhookDelivery.status != "pending"))
        .returning(WebhookDelivery.id)
    )
    rejections = (
        await WebhookRejection.delete()
        .where(WebhookRejection.rejected_at < cutoff)
        .returning(WebhookRejection.id)
    )
    return {"deliveries": len(deliveries), "rejections": len(rejections)}


@dataclass(frozen=True)
class HookHealth:
    hook_ref: str | None
    label: str | None
    last_delivery_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_failure_reason: str | None
    deliveries_24h: int
    failures_24h: int

    @property
    def failing(self) -> bool:
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )


async def health(project_id: int, source: str, now: dt.datetime) -> dict[str | None, HookHealth]:
    """Per hook (GitHub hook id, Asana resource gid): deliveries and failures."""
    since = now - HEALTH_WINDOW
    rows = await fetch(HEALTH_QUERY, project_id, source, since)
    return {
        row["hook_ref"]: HookHealth(
            hook_ref=row["hook_ref"],
            label=row["label"],
            last_delivery_at=row["last_delivery_at"],
            last_success_at=row["last_success_at"],
            last_failure_at=row["last_failure_at"],
            last_failure_reason=row["last_failure_reason"],
            deliveries_24h=row["deliveries_24h"] or 0,
            failures_24h=row["failures_24h"] or 0,
        )
        for row in rows
    }


async def heartbeat(project_id: int, resource_gid: str, at: dt.datetime) -> None:
    await AsanaWebhook.update({AsanaWebhook.last_heartbeat_at: at}).where(
        (AsanaWebhook.project == project_id) & (AsanaWebhook.resource_gid == resource_gid)
    )
