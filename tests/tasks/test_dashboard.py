"""The project dashboard: the task list with counts, status filters, title search and keyset
pagination, live through partials that keep the address bar in sync."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from tests.tasks.conftest import EPOCH


def minutes(n: int) -> dt.datetime:
    return EPOCH + dt.timedelta(minutes=n)


async def test_the_dashboard_lists_tasks_newest_update_first_with_their_links(
    cast, signed_in, make_task, add_repos
):
    repos = await add_repos(cast.project, "acme/api", "acme/web", "acme/docs")
    await make_task(cast.project, "Older", updated_at=minutes(1))
    await make_task(
        cast.project,
        "Newer",
        status="PR_CREATED",
        repo_id=repos["acme/web"],
        issue_number=7,
        issue_url="https://github.com/acme/web/issues/7",
        pr_number=9,
        pr_url="https://github.com/acme/web/pull/9",
        updated_at=minutes(2),
    )
    browser = await signed_in(cast.viewer)

    page = await browser.get("/p/shop")

    assert page.status == 200
    assert page.texts("#task-list .task-title") == ["Newer", "Older"]
    first = page.select("#task-list tbody tr")[0]
    assert first.select_one(".badge").get_text(strip=True) == "PR created"
    assert "pipeline-pr_created" in first.select_one(".badge")["class"]
    assert [a["href"] for a in first.select(".task-links a")] == [
        "https://github.com/acme/web/issues/7",
        "https://github.com/acme/web/pull/9",
    ]
    assert first.select_one(".task-repo").get_text(strip=True) == "acme/web"
    assert first.select_one(".task-updated time")["title"].endswith("UTC")
    assert page.select_one(".tabs a[aria-current=page]").get_text(strip=True) == "Tasks"


async def test_the_counts_per_status_cover_the_whole_project(cast, signed_in, make_task):
    for status in ("DEPLOYED", "DEPLOYED", "FAILED", "NEEDS_REPO"):
        await make_task(cast.project, status=status)
    browser = await signed_in(cast.viewer)

    page = await browser.get("/p/shop?status=FAILED")

    counts = {
        chip.select_one("input")["value"]: int(chip.select_one(".chip-count").get_text())
        for chip in page.select(".status-chips .chip")
    }
    assert counts["DEPLOYED"] == 2 and counts["FAILED"] == 1 and counts["NEEDS_REPO"] == 1
    assert counts["WAITING_CI"] == 0
    assert len(counts) == 11  # every status, the holds included
    assert page.select_one(".chip input[value=FAILED]").has_attr("checked")
    assert len(page.select("#task-list tbody tr")) == 1


async def test_status_filters_combine_and_the_partial_pushes_the_page_url(
    cast, signed_in, make_task
):
    await make_task(cast.project, "Red", status="FAILED")
    await make_task(cast.project, "Stuck", status="BLOCKED")
    await make_task(cast.project, "Green", status="DEPLOYED")
    browser = await signed_in(cast.viewer)

    fragment = await browser.get(
        "/partials/p/shop/tasks?status=FAILED&status=BLOCKED&status=NOPE", htmx=True
    )

    assert fragment.status == 200
    assert sorted(fragment.texts(".task-title")) == ["Red", "Stuck"]
    assert fragment.headers["HX-Push-Url"] == "/p/shop?status=FAILED&status=BLOCKED"
    assert fragment.headers["Vary"] == "HX-Request"
    assert fragment.texts(".list-summary") == ["Showing Failed, Blocked · Clear filters"]
    assert fragment.select_one(".list-summary a")["href"] == "/p/shop"
    assert fragment.select_one("body > section#task-list, section#task-list") is not None


async def test_the_title_search_matches_words_anywhere_and_treats_wildcards_literally(
    cast, signed_in, make_task
):
    await make_task(cast.project, "Fix the Checkout button")
    await make_task(cast.project, "Checkout: 100% coverage")
    await make_task(cast.project, "Unrelated")
    browser = await signed_in(cast.viewer)

    found = await browser.get("/partials/p/shop/tasks?q=checkout", htmx=True)
    literal = await browser.get("/partials/p/shop/tasks?q=100%25", htmx=True)

    assert sorted(found.texts(".task-title")) == [
        "Checkout: 100% coverage",
        "Fix the Checkout button",
    ]
    assert literal.texts(".task-title") == ["Checkout: 100% coverage"]
    assert found.headers["HX-Push-Url"] == "/p/shop?q=checkout"


async def test_the_search_field_asks_after_a_pause_in_typing(cast, signed_in):
    browser = await signed_in(cast.viewer)
    page = await browser.get("/p/shop")
    form = page.select_one("form#task-filters")
    assert form["hx-get"] == "/partials/p/shop/tasks"
    assert "keyup changed delay:400ms from:#task-q" in form["hx-trigger"]
    assert page.select_one("label[for=task-q]") is not None


async def test_pages_continue_after_the_last_row_shown_and_come_back(cast, signed_in, make_task):
    # Two tasks share an update time: the id breaks the tie, so none is skipped or repeated.
    ids = [await make_task(cast.project, f"T{n:02}", updated_at=minutes(n // 2)) for n in range(60)]
    browser = await signed_in(cast.viewer)

    first = await browser.get("/p/shop")
    older_href = first.select_one(".pager a[rel=next]")["href"]
    second = await browser.get(older_href)
    third = await browser.get(second.select_one(".pager a[rel=next]")["href"])
    back = await browser.get(third.select_one(".pager a[rel=prev]")["href"])

    expected = [f"T{n:02}" for n in reversed(range(60))]
    assert first.texts(".task-title") == expected[:25]
    assert second.texts(".task-title") == expected[25:50]
    assert third.texts(".task-title") == expected[50:]
    assert third.select_one(".pager a[rel=next]") is None
    assert back.texts(".task-title") == expected[25:50]
    assert "after" in parse_qs(urlsplit(older_href).query)
    assert first.select_one(".pager a[rel=prev]") is None
    assert len(ids) == 60


async def test_fifty_per_page_is_offered_and_anything_else_falls_back_to_25(
    cast, signed_in, make_task
):
    for n in range(55):
        await make_task(cast.project, f"T{n}", updated_at=minutes(n))
    browser = await signed_in(cast.viewer)

    fifty = await browser.get("/p/shop?per=50")
    odd = await browser.get("/p/shop?per=1000")

    assert len(fifty.select("#task-list tbody tr")) == 50
    assert "per=50" in fifty.select_one(".pager a[rel=next]")["href"]
    assert len(odd.select("#task-list tbody tr")) == 25


async def test_a_malformed_cursor_shows_the_first_page(cast, signed_in, make_task):
    await make_task(cast.project, "Only")
    browser = await signed_in(cast.viewer)
    page = await browser.get("/p/shop?after=yesterday~x&before=~~")
    assert page.status == 200
    assert page.texts(".task-title") == ["Only"]
    # A control character is refused like everywhere else (one rule for text: 400).
    assert (await browser.get("/p/shop?before=%00")).status == 400


async def test_an_empty_project_teaches_what_to_do_next(cast, signed_in):
    editor = await signed_in(cast.editor)
    viewer = await signed_in(cast.viewer)

    as_editor = await editor.get("/p/shop")
    as_viewer = await viewer.get("/p/shop")

    assert as_editor.texts("#task-list h2") == ["No tasks yet"]
    assert "Sync from Asana" in as_editor.texts("#task-list .empty")[0]
    assert as_editor.select_one("#task-import button") is not None
    assert as_viewer.select_one("#task-import button") is None
    assert as_viewer.select_one("#task-create") is None
    assert as_viewer.select("#integration-status .badge")


async def test_a_filter_that_matches_nothing_offers_to_show_all(cast, signed_in, make_task):
    await make_task(cast.project, "Something")
    browser = await signed_in(cast.viewer)
    page = await browser.get("/p/shop?q=nothing-like-this")
    assert page.texts("#task-list h2") == ["No task matches"]
    assert page.select_one("#task-list .empty a")["href"] == "/p/shop"


async def test_tasks_of_another_project_never_show(cast, signed_in, make_task, make_project):
    other = await make_project(cast.admin, slug="other")
    await make_task(other, "Elsewhere")
    await make_task(cast.project, "Here")
    browser = await signed_in(cast.admin)
    page = await browser.get("/p/shop")
    assert page.texts(".task-title") == ["Here"]


async def test_the_projects_page_shows_each_projects_counts_by_status(
    cast, signed_in, make_task, make_project
):
    await make_project(cast.admin, slug="quiet", name="Quiet")
    await make_task(cast.project, status="FAILED")
    await make_task(cast.project, status="DEPLOYED")
    await make_task(cast.project, status="DEPLOYED")
    browser = await signed_in(cast.admin)

    page = await browser.get("/app")

    cards = {
        card.select_one(".title-link").get_text(strip=True): card
        for card in page.select("#projects li.card")
    }
    assert [a.get_text(" ", strip=True) for a in cards["Shop"].select(".task-counts a")] == [
        "Deployed 2",
        "Failed 1",
    ]
    assert cards["Shop"].select_one(".task-counts a")["href"] == "/p/shop?status=DEPLOYED"
    assert cards["Quiet"].select_one(".task-counts").get_text(strip=True) == "No tasks yet"
