"""/metrics: Prometheus' text format for a scraper holding AUTOFLOW_METRICS_TOKEN, with figures
read from PostgreSQL at scrape time (webhooks by source, the queue, tasks by status)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.services import deliveries
from app.services.deliveries import NewDelivery
from app.tables import Task, WebhookDelivery

METRICS_TOKEN = "scrape-token-for-tests-0123456789"


@pytest.fixture
def settings(settings):
    return settings.replace(metrics_token=METRICS_TOKEN)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(app, token: str | None = METRICS_TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await app.test_client().get("/metrics", headers=headers)
    return response.status_code, await response.get_data(as_text=True), response.headers


async def test_metrics_report_webhooks_and_the_queue_from_the_database(
    app, make_user, make_project
):
    project = await make_project(await make_user())
    await deliveries.record(NewDelivery(project.id, "github", "d-1", "issues", "opened", "1", {}))
    await deliveries.record(NewDelivery(project.id, "github", "d-2", "issues", "closed", "1", {}))
    await deliveries.record(NewDelivery(project.id, "asana", "d-3", "task", "changed", "9", {}))
    await deliveries.reject(project.id, "github", None, "bad signature")
    await WebhookDelivery.raw(
        "UPDATE procrastinate_jobs SET scheduled_at = now() - interval '90 seconds'"
        " WHERE id = (SELECT min(id) FROM procrastinate_jobs)"
    )

    status, text, headers = await scrape(app)

    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = samples(text)
    assert found[("autoflow_webhooks_received_24h", (("source", "github"),))] == 2
    assert found[("autoflow_webhooks_received_24h", (("source", "asana"),))] == 1
    assert found[("autoflow_webhooks_invalid_24h", (("source", "github"),))] == 1
    assert (
        found[("autoflow_webhook_deliveries", (("source", "github"), ("status", "pending")))] == 2
    )
    depth = [v for (name, _), v in found.items() if name == "autoflow_queue_depth"]
    assert sum(depth) == 3
    oldest = [
        v for (name, _), v in found.items() if name == "autoflow_queue_oldest_pending_seconds"
    ]
    assert max(oldest) >= 90
    assert not any(name == "autoflow_tasks" for name, _ in found)


async def test_tasks_are_counted_by_status(app, make_user, make_project):
    project = await make_project(await make_user())
    await Task.insert(
        *(
            Task(project=project.id, asana_gid=str(1000 + n), status=status)
            for n, status in enumerate(("DEPLOYED", "DEPLOYED", "FAILED"))
        )
    )
    found = samples((await scrape(app))[1])
    assert found[("autoflow_tasks", (("status", "DEPLOYED"),))] == 2
    assert found[("autoflow_tasks", (("status", "FAILED"),))] == 1


async def test_metrics_need_the_metrics_token(app):
    assert (await scrape(app, None))[0] == 401
    status, _, headers = await scrape(app, "wrong")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")


async def test_without_a_metrics_token_setting_there_is_no_metrics_page(app):
    app.config["AUTOFLOW_SETTINGS"] = app.config["AUTOFLOW_SETTINGS"].replace(metrics_token=None)
    assert (await scrape(app))[0] == 404


async def test_calls_to_asana_and_github_are_counted_by_service_and_status(
    app, sandbox, http_session
):
    from app.integrations import clients
    from app.integrations.errors import AuthenticationFailed
    from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN

    settings = app.config["AUTOFLOW_SETTINGS"].replace(
        asana_api_url=sandbox.asana.base_url, github_api_url=sandbox.github.base_url
    )
    await clients.asana_client(http_session, settings, ASANA_TOKEN).get_me()
    await clients.asana_client(http_session, settings, ASANA_TOKEN).get_me()
    await clients.github_client(http_session, settings, GITHUB_TOKEN).get_authenticated_user()
    with pytest.raises(AuthenticationFailed):
        await clients.github_client(http_session, settings, "wrong").get_authenticated_user()

    found = samples((await scrape(app))[1])
    total = "autoflow_outbound_calls_total"
    assert found[(total, (("service", "asana"), ("status", "200")))] == 2
    assert found[(total, (("service", "github"), ("status", "200")))] == 1
    assert found[(total, (("service", "github"), ("status", "401")))] == 1
