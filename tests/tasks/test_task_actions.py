"""The task page's actions: each one an editor (or admin) may take, queued as a job that the
core decides (writing a `manual.action` event); a viewer sees no buttons and gets 403; bad
input is refused beside the form with nothing queued."""

from __future__ import annotations

import pytest

from app.jobs.defer import ADVANCE_TASK
from app.jobs.facts import user_action_fact
from app.jobs.pipeline import advance
from tests.tasks.conftest import queued_jobs

ACTIONS = {
    "retry": {},
    "resync": {},
    "force-link-pr": {"pr_number": "31"},
    "change-repo": {"repo": "acme/web"},
    "note": {"note": "Please keep the old export too."},
}


@pytest.fixture
async def repos(cast, add_repos):
    return await add_repos(cast.project, "acme/api", "acme/web", "acme/docs")


@pytest.fixture
async def with_issue(cast, make_task, repos):
    return await make_task(
        cast.project,
        "Has an issue",
        status="ISSUE_CREATED",
        repo_id=repos["acme/api"],
        issue_number=5,
        state={"repo": "acme/api", "issue_number": 5, "issue_requested": True},
    )


@pytest.fixture
async def without_issue(cast, make_task, repos):
    return await make_task(cast.project, "No repo yet", status="NEEDS_REPO")


async def queued_actions() -> list[dict]:
    jobs = await queued_jobs(ADVANCE_TASK)
    return [job for job in jobs if job["args"]["fact"]["kind"] == "user.action"]


async def _run_queued_actions() -> None:
    """What the worker's advance_task does with a user action (it reads nothing first)."""
    for job in await queued_actions():
        await advance(job["args"]["task_id"], [user_action_fact(job["args"]["fact"])])


def _target(name: str, with_issue: int, without_issue: int) -> int:
    return without_issue if name == "change-repo" else with_issue


@pytest.mark.parametrize("name", list(ACTIONS))
async def test_an_editor_queues_each_action_and_the_timeline_records_it(
    cast, signed_in, with_issue, without_issue, name
):
    task_id = _target(name, with_issue, without_issue)
    browser = await signed_in(cast.editor)
    await browser.get(f"/p/shop/t/{task_id}")

    response = await browser.post(
        f"/partials/p/shop/t/{task_id}/actions/{name}", ACTIONS[name], htmx=True
    )

    assert response.status == 200, response.text
    assert "queued" in response.headers["HX-Trigger"].lower()
    jobs = await queued_actions()
    assert [job["lock"] for job in jobs] == [f"task:{task_id}"]
    assert jobs[0]["args"]["fact"]["action"]["by"] == "eddie"
    # The timeline comes back out of band, polling while the action waits.
    assert response.select_one("#task-timeline[hx-swap-oob]")["hx-trigger"] == "every 2s"

    await _run_queued_actions()
    page = await browser.get(f"/p/shop/t/{task_id}")
    sources = page.texts("#task-timeline .event-manual-action .event-source")
    assert sources == ["User · eddie"]


async def test_an_admin_may_act_as_well(cast, signed_in, with_issue):
    browser = await signed_in(cast.admin)
    response = await browser.post(f"/partials/p/shop/t/{with_issue}/actions/resync", htmx=True)
    assert response.status == 200
    assert len(await queued_actions()) == 1


@pytest.mark.parametrize("name", list(ACTIONS))
async def test_a_viewer_sees_no_actions_and_is_refused_when_posting(
    cast, signed_in, with_issue, without_issue, name
):
    task_id = _target(name, with_issue, without_issue)
    browser = await signed_in(cast.viewer)

    page = await browser.get(f"/p/shop/t/{task_id}")
    response = await browser.post(
        f"/partials/p/shop/t/{task_id}/actions/{name}", ACTIONS[name], htmx=True
    )

    assert page.select_one("#task-actions") is None
    assert page.select("form[hx-post*='/actions/']") == []
    assert response.status == 403
    assert await queued_actions() == []


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "4.5", "", "#", "2147483648", "١٢"])
async def test_force_link_refuses_a_pr_that_is_not_a_positive_number(
    cast, signed_in, with_issue, bad
):
    browser = await signed_in(cast.editor)
    response = await browser.post(
        f"/partials/p/shop/t/{with_issue}/actions/force-link-pr", {"pr_number": bad}, htmx=True
    )
    assert response.status == 422
    assert "whole number" in response.texts("#task-actions .field-error")[0]
    assert response.select_one("#pr-number")["aria-invalid"] == "true"
    assert await queued_actions() == []


async def test_force_link_accepts_a_number_written_with_a_hash(cast, signed_in, with_issue):
    browser = await signed_in(cast.editor)
    response = await browser.post(
        f"/partials/p/shop/t/{with_issue}/actions/force-link-pr", {"pr_number": " #42 "}, htmx=True
    )
    assert response.status == 200
    assert (await queued_actions())[0]["args"]["fact"]["action"]["pr_number"] == 42


async def test_force_link_before_the_issue_exists_is_explained(cast, signed_in, without_issue):
    browser = await signed_in(cast.editor)
    response = await browser.post(
        f"/partials/p/shop/t/{without_issue}/actions/force-link-pr", {"pr_number": "3"}, htmx=True
    )
    assert response.status == 422
    assert "no GitHub issue yet" in response.texts("#task-actions .form-error")[0]


async def test_a_repo_outside_the_project_is_refused(
    cast, signed_in, without_issue, make_project, add_repos
):
    other = await make_project(cast.admin, slug="other")
    await add_repos(other, "elsewhere/secret")
    browser = await signed_in(cast.editor)

    response = await browser.post(
        f"/partials/p/shop/t/{without_issue}/actions/change-repo",
        {"repo": "elsewhere/secret"},
        htmx=True,
    )

    assert response.status == 422
    assert response.texts("#task-actions .field-error") == [
        "Choose one of this project's repositories."
    ]
    assert await queued_actions() == []


async def test_the_repo_picker_offers_the_projects_repositories_and_says_create_issue_on_needs_repo(
    cast, signed_in, without_issue
):
    browser = await signed_in(cast.editor)
    page = await browser.get(f"/p/shop/t/{without_issue}")
    assert page.texts("#change-repo option") == ["acme/api", "acme/web", "acme/docs"]
    assert "Select repo + Create issue" in page.texts("#task-actions h3")


async def test_changing_the_repo_after_the_issue_exists_is_explained(cast, signed_in, with_issue):
    browser = await signed_in(cast.editor)
    page = await browser.get(f"/p/shop/t/{with_issue}")
    response = await browser.post(
        f"/partials/p/shop/t/{with_issue}/actions/change-repo", {"repo": "acme/web"}, htmx=True
    )
    assert page.select_one("#change-repo") is None
    assert response.status == 422
    assert "already exists in acme/api" in response.texts("#task-actions .form-error")[0]


@pytest.mark.parametrize("name", ["retry", "force-link-pr", "change-repo"])
async def test_on_a_cancelled_task_actions_that_make_no_sense_are_explained(
    cast, signed_in, make_task, name
):
    task_id = await make_task(cast.project, "Called off", status="CANCELLED")
    browser = await signed_in(cast.editor)

    page = await browser.get(f"/p/shop/t/{task_id}")
    response = await browser.post(
        f"/partials/p/shop/t/{task_id}/actions/{name}", ACTIONS[name], htmx=True
    )

    assert response.status == 422
    assert "cancelled in Asana" in response.texts("#task-actions .form-error")[0]
    assert (
        page.select_one("#task-actions button[disabled]").get_text(strip=True) == "Retry pipeline"
    )
    assert await queued_actions() == []


async def test_on_a_cancelled_task_a_resync_and_a_note_still_work(cast, signed_in, make_task):
    task_id = await make_task(cast.project, "Called off", status="CANCELLED")
    browser = await signed_in(cast.editor)
    resync = await browser.post(f"/partials/p/shop/t/{task_id}/actions/resync", htmx=True)
    note = await browser.post(
        f"/partials/p/shop/t/{task_id}/actions/note", {"note": "why?"}, htmx=True
    )
    assert resync.status == note.status == 200


async def test_a_note_with_html_is_escaped_everywhere_it_is_shown(cast, signed_in, with_issue):
    note = '<script>alert("x")</script><b>bold</b> & <img src=x onerror=alert(1)>'
    browser = await signed_in(cast.editor)
    await browser.post(f"/partials/p/shop/t/{with_issue}/actions/note", {"note": note}, htmx=True)
    await _run_queued_actions()

    page = await browser.get(f"/p/shop/t/{with_issue}")
    live = await browser.get(f"/partials/p/shop/t/{with_issue}/live", htmx=True)

    for view in (page, live):
        assert view.texts("#task-timeline .event-note") == [" ".join(note.split())]
        assert view.select("#task-timeline script, #task-timeline b, #task-timeline img") == []
        assert "&lt;script&gt;" in view.text


async def test_an_empty_note_is_refused(cast, signed_in, with_issue):
    browser = await signed_in(cast.editor)
    response = await browser.post(
        f"/partials/p/shop/t/{with_issue}/actions/note", {"note": "   "}, htmx=True
    )
    assert response.status == 422
    assert response.texts("#task-actions .field-error") == ["Write the note first."]


async def test_a_double_submit_is_decided_once(cast, signed_in, with_issue):
    browser = await signed_in(cast.editor)
    form = {"note": "once", "action_id": "same-form-token-123"}
    for _ in range(2):
        await browser.post(f"/partials/p/shop/t/{with_issue}/actions/note", form, htmx=True)
    await _run_queued_actions()
    page = await browser.get(f"/p/shop/t/{with_issue}")
    assert page.texts("#task-timeline .event-note") == ["once"]


async def test_without_htmx_an_action_redirects_back_to_the_task(cast, signed_in, with_issue):
    browser = await signed_in(cast.editor)
    response = await browser.post(f"/partials/p/shop/t/{with_issue}/actions/resync")
    assert response.status == 303
    assert response.location == f"/p/shop/t/{with_issue}"
    page = await browser.get(response.location)
    assert "Re-sync queued" in page.texts(".flash")[0]


async def test_an_unknown_action_or_another_projects_task_is_not_found(
    cast, signed_in, with_issue, make_project, make_task
):
    other = await make_project(cast.admin, slug="other")
    theirs = await make_task(other, "Theirs")
    browser = await signed_in(cast.admin)
    unknown = await browser.post(f"/partials/p/shop/t/{with_issue}/actions/delete", htmx=True)
    foreign = await browser.post(f"/partials/p/shop/t/{theirs}/actions/resync", htmx=True)
    huge = await browser.post("/partials/p/shop/t/2147483648/actions/resync", htmx=True)
    assert unknown.status == foreign.status == huge.status == 404
    assert await queued_actions() == []
