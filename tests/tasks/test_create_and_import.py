"""Creating a task from the dashboard (queued; the job creates it in Asana with AutoTask and
Repo set and feeds it to the pipeline) and "Sync from Asana" (one import at a time, with live
progress)."""

from __future__ import annotations

import datetime as dt
import json

import aiohttp
import procrastinate
import pytest

from app.db.engine import fetch
from app.demo import DEMO_SLUG, seed_extra_repos, setup_demo
from app.jobs.runtime import HTTP_SESSION, worker_settings
from app.jobs.task_requests import create_asana_task
from app.services.projects import get_by_slug
from app.services.task_requests import CREATE_ASANA_TASK
from tests.tasks.conftest import queued_jobs

IMPORT_JOB = "pipeline:import_asana_tasks"


@pytest.fixture
async def configured(cast, add_repos, add_asana_project):
    await add_repos(cast.project, "acme/api", "acme/web", "acme/docs")
    await add_asana_project(cast.project, "1200", "Roadmap")
    return cast


def _form(**changes: str) -> dict[str, str]:
    form = {
        "title": "Add a dark mode",
        "notes": "Follow the system setting.",
        "repo": "acme/web",
        "asana_project": "1200",
        "auto": "on",
        "request_id": "form-token-0001",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def test_an_editor_queues_a_new_task_and_sees_it_being_created(configured, signed_in):
    browser = await signed_in(configured.editor)
    page = await browser.get("/p/shop")

    response = await browser.post("/partials/p/shop/tasks/new", _form(), htmx=True)

    assert page.texts("#new-repo option") == ["acme/api", "acme/web", "acme/docs"]
    assert page.texts("#new-asana-project option") == ["Roadmap"]
    assert response.status == 200, response.text
    [job] = await queued_jobs(CREATE_ASANA_TASK)
    assert job["lock"] == f"create:{configured.project.id}"
    assert job["args"]["request"] | {"request_id": "x"} == {
        "title": "Add a dark mode",
        "notes": "Follow the system setting.",
        "repo": "acme/web",
        "asana_project": "1200",
        "auto": True,
        "by": "eddie",
        "request_id": "x",
    }
    creating = response.select_one("#task-creating[hx-swap-oob]")
    assert creating["hx-trigger"] == "every 2s"
    assert "Add a dark mode" in creating.get_text()
    assert "Creating" in json.loads(response.headers["HX-Trigger"])["autoflow:toast"]["message"]


async def test_the_same_form_sent_twice_creates_one_task(configured, signed_in):
    browser = await signed_in(configured.editor)
    await browser.post("/partials/p/shop/tasks/new", _form(), htmx=True)
    again = await browser.post("/partials/p/shop/tasks/new", _form(), htmx=True)
    assert again.status == 200
    assert len(await queued_jobs(CREATE_ASANA_TASK)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "Give the task a title."),
        ({"repo": "elsewhere/secret"}, "repo", "Choose one of this project's repositories."),
        ({"asana_project": "999"}, "asana_project", "Choose one of the project's Asana projects."),
    ],
)
async def test_the_new_task_form_refuses_what_it_cannot_create(
    configured, signed_in, changes, field, message
):
    browser = await signed_in(configured.editor)
    response = await browser.post("/partials/p/shop/tasks/new", _form(**changes), htmx=True)
    assert response.status == 422
    assert response.select_one("#task-create").has_attr("open")
    assert response.texts(".field-error") == [message]
    assert await queued_jobs(CREATE_ASANA_TASK) == []


async def test_a_viewer_can_neither_create_nor_sync(configured, signed_in):
    browser = await signed_in(configured.viewer)
    page = await browser.get("/p/shop")
    create = await browser.post("/partials/p/shop/tasks/new", _form(), htmx=True)
    sync = await browser.post("/partials/p/shop/tasks/import", htmx=True)
    assert page.select_one("#task-create") is None
    assert create.status == sync.status == 403
    assert await queued_jobs(CREATE_ASANA_TASK) == await queued_jobs(IMPORT_JOB) == []


@pytest.mark.parametrize("repo_has_an_option", [True, False])
async def test_the_create_job_makes_the_asana_task_with_its_fields_and_feeds_the_pipeline(
    db, sandbox, settings, monkeypatch, repo_has_an_option
):
    # The demo's Repo field has an option for its first repository only; for the others the
    # choice travels as the user's.
    urls = {"asana_api_url": sandbox.asana.base_url, "github_api_url": sandbox.github.base_url}
    seed_extra_repos(sandbox)
    await setup_demo(settings.replace(**urls), sandbox.seed)
    project = await get_by_slug(DEMO_SLUG)
    monkeypatch.setenv("AUTOFLOW_ASANA_API_URL", sandbox.asana.base_url)
    monkeypatch.setenv("AUTOFLOW_GITHUB_API_URL", sandbox.github.base_url)
    worker_settings.cache_clear()
    seed = sandbox.seed
    request = {
        "title": "Add a dark mode",
        "notes": "Follow the system setting.",
        "repo": seed.repo if repo_has_an_option else "sandbox-org/api",
        "asana_project": seed.project_gid,
        "auto": True,
        "by": "demo",
        "request_id": "form-token-0002",
    }
    try:
        async with aiohttp.ClientSession() as http:
            context = procrastinate.JobContext(
                app=None,  # type: ignore[arg-type]  # the job reads only the HTTP session
                job=None,  # type: ignore[arg-type]
                start_timestamp=0.0,
                additional_context={HTTP_SESSION: http},
                abort_reason=lambda: None,
            )
            await create_asana_task(context, project_id=project["id"], request=request)
    finally:
        worker_settings.cache_clear()

    [created] = [t for t in sandbox.asana.world.tasks.values() if t.name == "Add a dark mode"]
    values = created.custom_values
    rows = await fetch(
        "SELECT t.id, t.status, t.title, r.full_name AS repo FROM tasks t"
        " LEFT JOIN project_github_repos r ON r.id = t.repo"
        " WHERE t.project = $1 AND t.asana_gid = $2",
        project["id"],
        created.gid,
    )
    assert rows and rows[0]["title"] == "Add a dark mode"
    assert rows[0]["repo"] == request["repo"]
    assert values[seed.autotask_field_gid] in (seed.autotask_yes_gid, [seed.autotask_yes_gid])
    assert values.get(seed.repo_field_gid) == (seed.repo_option_gid if repo_has_an_option else None)
    # AutoTask on and the repository known: the pipeline has written the TaskSpec.
    assert rows[0]["status"] == "TASKSPEC_CREATED"
    events = await fetch(
        "SELECT event_type, ref_json FROM task_events WHERE task = $1 ORDER BY id", rows[0]["id"]
    )
    first = events[0]
    ref = json.loads(first["ref_json"]) if isinstance(first["ref_json"], str) else first["ref_json"]
    assert first["event_type"] == "manual.action" and ref == {"action": "create_task", "by": "demo"}


async def test_sync_starts_one_import_and_a_second_click_starts_nothing(configured, signed_in):
    browser = await signed_in(configured.editor)

    first = await browser.post("/partials/p/shop/tasks/import", htmx=True)
    second = await browser.post("/partials/p/shop/tasks/import", htmx=True)

    assert len(await queued_jobs(IMPORT_JOB)) == 1
    assert "Sync started" in first.headers["HX-Trigger"]
    assert "already running" in second.headers["HX-Trigger"]
    card = second.select_one("#task-import")
    assert card["hx-trigger"] == "every 2s"
    assert card.select_one("button").has_attr("disabled")
    assert "Syncing from Asana" in card.get_text()


async def test_the_import_progress_counts_pages_and_tasks_then_rests(
    configured, signed_in, make_task
):
    browser = await signed_in(configured.editor)
    await browser.post("/partials/p/shop/tasks/import", htmx=True)
    await fetch(
        "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE task_name = $1", IMPORT_JOB
    )
    await make_task(configured.project, "Imported", updated_at=dt.datetime.now(dt.UTC))

    progress = await browser.get("/partials/p/shop/tasks/import", htmx=True)
    again = await browser.post("/partials/p/shop/tasks/import", htmx=True)

    card = progress.select_one("#task-import")
    assert not card.has_attr("hx-trigger")  # at rest: no more polling
    assert "1 page, 1 new, 0 updated" in " ".join(card.get_text().split())
    assert "by eddie" in card.get_text()
    assert "Sync started" in again.headers["HX-Trigger"]  # the previous one is over
    assert len(await queued_jobs(IMPORT_JOB)) == 2


async def test_a_creation_that_failed_for_good_is_said_on_the_dashboard(configured, signed_in):
    editor = await signed_in(configured.editor)
    await editor.post("/partials/p/shop/tasks/new", _form(title="Add a sepia mode"), htmx=True)
    # The worker spent its retries (here: the job's row goes the way a worker takes it).
    await fetch(
        "UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = $1", CREATE_ASANA_TASK
    )
    await fetch(
        "UPDATE procrastinate_jobs SET status = 'failed' WHERE task_name = $1", CREATE_ASANA_TASK
    )

    page = await editor.get("/p/shop")
    polled = await editor.get("/partials/p/shop/tasks/creating", htmx=True)

    for region in (page.select_one("#task-creating"), polled.select_one("#task-creating")):
        [said] = [li.get_text(" ", strip=True) for li in region.select("[role=alert] li")]
        assert "Could not create “Add a sepia mode” in Asana" in said
        # Nothing left to wait for: the region stops polling.
        assert not region.get("hx-trigger")
