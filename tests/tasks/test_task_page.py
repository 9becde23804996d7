"""The task page: header with links and copyable ids, TaskSpec versions with their diff, and
the timeline newest first, refreshing itself only while the task moves."""

from __future__ import annotations

import json

import pytest

from app.db.engine import fetch
from app.jobs.defer import ADVANCE_TASK


@pytest.fixture
async def moving_task(cast, make_task, add_repos, add_event, add_spec):
    repos = await add_repos(cast.project, "acme/api", "acme/web", "acme/docs")
    task_id = await make_task(
        cast.project,
        "Add the export button",
        status="ISSUE_CREATED",
        repo_id=repos["acme/api"],
        issue_number=12,
        issue_url="https://github.com/acme/api/issues/12",
        state={
            "permalink": "https://app.asana.com/0/1/2",
            "status_reason": "waiting for the agent",
        },
    )
    await add_event(cast.project, task_id, "task.created_or_seen", "asana", first=True)
    await add_event(
        cast.project, task_id, "task.status_changed", **{"from": "RECEIVED", "to": "ISSUE_CREATED"}
    )
    await add_event(
        cast.project,
        task_id,
        "github.issue_created",
        number=12,
        url="https://github.com/acme/api/issues/12",
        repo="acme/api",
    )
    await add_spec(task_id, 1, "Add the export button", "Export as CSV.")
    await add_spec(task_id, 2, "Add the export button", "Export as CSV and JSON.")
    return task_id


async def test_the_header_shows_status_repo_links_and_copyable_ids(cast, signed_in, moving_task):
    browser = await signed_in(cast.viewer)
    page = await browser.get(f"/p/shop/t/{moving_task}")

    assert page.status == 200
    header = page.select_one("#task-header")
    assert header.select_one("h1").get_text(strip=True) == "Add the export button"
    assert (
        header.select_one(".badge.pipeline-issue_created").get_text(strip=True) == "Issue created"
    )
    assert header.select_one(".task-reason").get_text(strip=True) == "waiting for the agent"
    hrefs = [a["href"] for a in header.select("dd a")]
    assert "https://app.asana.com/0/1/2" in hrefs
    assert "https://github.com/acme/api/issues/12" in hrefs
    copied = [b["data-copy"] for b in header.select("button[data-copy]")]
    assert str(moving_task) in copied
    assert any(text.isdigit() and len(text) >= 7 for text in copied)  # the Asana gid


async def test_the_timeline_lists_events_newest_first_with_source_and_links(
    cast, signed_in, moving_task
):
    browser = await signed_in(cast.viewer)
    page = await browser.get(f"/p/shop/t/{moving_task}")

    assert page.texts("#task-timeline .event-text") == [
        "GitHub issue #12 created",
        "Status RECEIVED → ISSUE_CREATED",
        "Task received from Asana",
    ]
    assert page.texts("#task-timeline .event-source") == ["Auto-Flow", "Auto-Flow", "Asana"]
    link = page.select_one("#task-timeline .event-details a")
    assert link["href"] == "https://github.com/acme/api/issues/12"
    assert page.select_one("#task-timeline")["aria-live"] == "polite"


async def test_taskspec_versions_are_listed_newest_first_with_the_diff(
    cast, signed_in, moving_task
):
    browser = await signed_in(cast.viewer)
    page = await browser.get(f"/p/shop/t/{moving_task}")

    assert [
        s.get_text(" ", strip=True).split(" ·")[0] for s in page.select("#task-specs summary")
    ] == [
        "Version 2",
        "Version 1",
    ]
    assert page.texts("#task-specs .diff-add") == ["+Export as CSV and JSON."]
    assert page.texts("#task-specs .diff-del") == ["-Export as CSV."]


async def test_a_moving_task_polls_and_a_resting_one_does_not(
    cast, signed_in, moving_task, make_task
):
    resting = await make_task(cast.project, "Done", status="DEPLOYED")
    browser = await signed_in(cast.viewer)

    moving_page = await browser.get(f"/p/shop/t/{moving_task}")
    resting_page = await browser.get(f"/p/shop/t/{resting}")

    timeline = moving_page.select_one("#task-timeline")
    assert timeline["hx-get"] == f"/partials/p/shop/t/{moving_task}/live"
    assert timeline["hx-trigger"] == "every 10s"
    assert not resting_page.select_one("#task-timeline").has_attr("hx-trigger")


async def test_a_task_with_queued_work_polls_fast_and_shows_what_waits(cast, signed_in, make_task):
    task_id = await make_task(cast.project, "Resting", status="FAILED")
    await fetch(
        """
        INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status)
        VALUES ('default', $1, $2, $3::jsonb, 'todo')
        """,
        ADVANCE_TASK,
        f"task:{task_id}",
        json.dumps(
            {
                "task_id": task_id,
                "fact": {"kind": "user.action", "action": {"kind": "retry", "by": "eddie"}},
            }
        ),
    )
    browser = await signed_in(cast.viewer)

    live = await browser.get(f"/partials/p/shop/t/{task_id}/live", htmx=True)

    assert live.select_one("#task-timeline")["hx-trigger"] == "every 2s"
    assert live.texts(".pending-actions li") == ["Retry by eddie — queued"]
    # The header rides along out of band, so the status badge follows the timeline.
    assert live.select_one("#task-header")["hx-swap-oob"] == "true"


async def test_older_events_load_on_demand(cast, signed_in, make_task, add_event):
    task_id = await make_task(cast.project, "Chatty", status="DEPLOYED")
    for n in range(105):
        await add_event(cast.project, task_id, "effect.planned", kind=f"step_{n}")
    browser = await signed_in(cast.viewer)

    page = await browser.get(f"/p/shop/t/{task_id}")
    more = page.select_one("#task-timeline .event-more button")
    older = await browser.get(more["hx-get"], htmx=True)

    assert len(page.select("#task-timeline li.event")) == 100
    assert page.texts("#task-timeline .event-text")[0] == "Planned: step 104"
    assert older.texts(".event-text") == [f"Planned: step {n}" for n in range(4, -1, -1)]
    assert older.select_one(".event-more") is None


async def test_a_task_of_another_project_is_not_found(cast, signed_in, make_task, make_project):
    other = await make_project(cast.admin, slug="other")
    theirs = await make_task(other, "Not yours")
    browser = await signed_in(cast.admin)

    page = await browser.get(f"/p/shop/t/{theirs}")
    live = await browser.get(f"/partials/p/shop/t/{theirs}/live", htmx=True)

    assert page.status == 404 and live.status == 404
    assert page.texts("h1") == ["Not found"]


@pytest.mark.parametrize("path_id", ["abc", "-1", "0", "2147483648", "99999999999999999999", "1.5"])
async def test_a_path_id_that_cannot_be_a_task_is_not_found(cast, signed_in, path_id):
    browser = await signed_in(cast.viewer)
    page = await browser.get(f"/p/shop/t/{path_id}")
    post = await browser.post(f"/partials/p/shop/t/{path_id}/actions/resync", htmx=True)
    assert page.status == 404
    assert post.status in (403, 404)  # a viewer never learns whether the id exists


async def test_launch_opencode_shows_commands_to_copy_and_runs_nothing(
    cast, signed_in, moving_task, make_task
):
    no_repo = await make_task(cast.project, "Nowhere yet", status="NEEDS_REPO")
    browser = await signed_in(cast.viewer)

    page = await browser.get(f"/p/shop/t/{moving_task}")
    without = await browser.get(f"/p/shop/t/{no_repo}")

    commands = page.select_one("#opencode-commands").get_text()
    assert commands.splitlines() == [
        "gh repo clone acme/api",
        "cd api",
        "opencode run 'Implement issue #12 of acme/api'",
    ]
    assert page.select_one("#task-opencode button[data-copy]")["data-copy"] == commands
    assert page.select("#task-opencode form") == []  # nothing to post: the server runs nothing
    assert without.select_one("#task-opencode") is None


@pytest.mark.parametrize("before", ["x", "99999999999999999999999", "-1"])
async def test_a_timeline_page_asked_with_a_bad_cursor_is_not_found(
    cast, signed_in, make_task, before
):
    task_id = await make_task(cast.project, "Quiet", status="DEPLOYED")
    browser = await signed_in(cast.viewer)
    older = await browser.get(f"/partials/p/shop/t/{task_id}/timeline?before={before}", htmx=True)
    assert older.status == 404
