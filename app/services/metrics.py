"""What /metrics reports, read from PostgreSQL at scrape time and written in Prometheus' text
format. Nothing is counted in process memory: any web process answers a scrape with the same
figures, however many there are.

Webhook figures are over the last 24 hours rather than running totals, because deliveries and
refused requests are pruned after AUTOFLOW_WEBHOOK_RETENTION_DAYS and a count of stored rows
would go down (a Prometheus counter must never do that).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.db.engine import fetch

WEBHOOKS_QUERY = """
SELECT source, count(*) AS n FROM webhook_deliveries
 WHERE received_at > now() - interval '24 hours' GROUP BY source
"""
REJECTIONS_QUERY = """
SELECT source, count(*) AS n FROM webhook_rejections
 WHERE rejected_at > now() - interval '24 hours' GROUP BY source
"""
BACKLOG_QUERY = """
SELECT source, status, count(*) AS n FROM webhook_deliveries GROUP BY source, status
"""
# A job waits from when it became due: its schedule, or when it was deferred.
QUEUE_QUERY = """
SELECT j.queue_name AS queue, j.status::text AS status, count(*) AS n,
       count(*) FILTER (WHERE j.status = 'todo' AND coalesce(j.scheduled_at, now()) <= now())
           AS ready,
       extract(epoch FROM now() - min(coalesce(j.scheduled_at, d.at))
           FILTER (WHERE j.status = 'todo' AND coalesce(j.scheduled_at, now()) <= now()))
           AS oldest_seconds
  FROM procrastinate_jobs j
  LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM procrastinate_events e
                      WHERE e.job_id = j.id AND e.type = 'deferred') d ON true
 GROUP BY j.queue_name, j.status
"""
OUTBOUND_QUERY = "SELECT service, status, calls FROM outbound_calls"
TASKS_QUERY = "SELECT status, count(*) AS n FROM tasks GROUP BY status"


@dataclass
class Snapshot:
    webhooks_received: dict[str, int] = field(default_factory=dict)
    webhooks_invalid: dict[str, int] = field(default_factory=dict)
    webhook_deliveries: dict[tuple[str, str], int] = field(default_factory=dict)
    queue_jobs: dict[tuple[str, str], int] = field(default_factory=dict)
    queue_ready: dict[str, int] = field(default_factory=dict)
    queue_oldest_seconds: dict[str, float] = field(default_factory=dict)
    outbound_calls: dict[tuple[str, str], int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)


async def snapshot() -> Snapshot:
    shot = Snapshot()
    for row in await fetch(WEBHOOKS_QUERY):
        shot.webhooks_received[row["source"]] = row["n"]
    for row in await fetch(REJECTIONS_QUERY):
        shot.webhooks_invalid[row["source"]] = row["n"]
    for row in await fetch(BACKLOG_QUERY):
        shot.webhook_deliveries[(row["source"], row["status"])] = row["n"]
    for row in await fetch(QUEUE_QUERY):
        queue = row["queue"]
        shot.queue_jobs[(queue, row["status"])] = row["n"]
        shot.queue_ready[queue] = shot.queue_ready.get(queue, 0) + row["ready"]
        if row["oldest_seconds"] is not None:
            shot.queue_oldest_seconds[queue] = max(0.0, float(row["oldest_seconds"]))
    for row in await fetch(OUTBOUND_QUERY):
        shot.outbound_calls[(row["service"], row["status"])] = row["calls"]
    shot.tasks = {row["status"]: row["n"] for row in await fetch(TASKS_QUERY)}
    return shot


class _SnapshotCollector(Collector):
    def __init__(self, shot: Snapshot) -> None:
        self.shot = shot

    def collect(self) -> Iterable[Metric]:
        shot = self.shot
        yield _gauge(
            "autoflow_webhooks_received_24h",
            "Webhook deliveries accepted in the last 24 hours, by source.",
            ["source"],
            {(k,): v for k, v in shot.webhooks_received.items()},
        )
        yield _gauge(
            "autoflow_webhooks_invalid_24h",
            "Webhook requests refused (bad signature, malformed body...) in the last 24 hours.",
            ["source"],
            {(k,): v for k, v in shot.webhooks_invalid.items()},
        )
        yield _gauge(
            "autoflow_webhook_deliveries",
            "Stored webhook deliveries by source and processing status (pending = backlog).",
            ["source", "status"],
            shot.webhook_deliveries,
        )
        yield _gauge(
            "autoflow_queue_jobs",
            "Jobs in the Procrastinate queue by queue and status.",
            ["queue", "status"],
            shot.queue_jobs,
        )
        yield _gauge(
            "autoflow_queue_depth",
            "Jobs due now and waiting for a worker, by queue.",
            ["queue"],
            {(k,): v for k, v in shot.queue_ready.items()},
        )
        yield _gauge(
            "autoflow_queue_oldest_pending_seconds",
            "How long the oldest job due now has been waiting, by queue.",
            ["queue"],
            {(k,): v for k, v in shot.queue_oldest_seconds.items()},
        )
        outbound = CounterMetricFamily(
            "autoflow_outbound_calls",
            "Calls to Asana and GitHub by service and outcome: the HTTP status, or timeout or "
            "error when there was none (each retry counts as a call).",
            labels=["service", "status"],
        )
        for (service, status), calls in sorted(shot.outbound_calls.items()):
            outbound.add_metric([service, status], calls)
        yield outbound
        yield _gauge(
            "autoflow_tasks",
            "Tasks by pipeline status.",
            ["status"],
            {(k,): v for k, v in shot.tasks.items()},
        )


def _gauge(name: str, help_text: str, labels: list[str], values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for label_values, value in sorted(values.items()):
        family.add_metric([str(v) for v in label_values], value)
    return family


def exposition(shot: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(shot))
    return generate_latest(registry)
