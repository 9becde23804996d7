"""The projects list, project pages and sections, and who may see what."""

from __future__ import annotations

import pytest

from app.services.projects import Role
from app.tables import Project, ProjectMembership

SECTIONS = ["", "/settings", "/webhooks", "/api", "/knowledge", "/members"]


async def test_an_instance_admin_creates_a_project_inline_with_htmx(signed_in, make_user):
    admin = await make_user(is_admin=True)
    browser = await signed_in(admin)
    response = await browser.post(
        "/partials/projects", {"name": "Payments team", "slug": "payments"}, htmx=True
    )
    assert response.status == 200
    assert response.texts("#projects .title-link") == ["Payments team"]
    assert "Payments team" in response.headers["HX-Trigger"]
    membership = await ProjectMembership.select(ProjectMembership.role).first()
    assert membership == {"role": "admin"}


async def test_creating_a_project_without_htmx_redirects_to_it(signed_in, make_user):
    browser = await signed_in(await make_user(is_admin=True))
    response = await browser.post("/app/projects", {"name": "Growth", "slug": "growth"})
    assert response.status == 303 and response.location == "/p/growth"
    page = await browser.get("/p/growth")
    assert page.status == 200
    assert page.texts(".project-title") == ["Growth"]
    assert page.texts(".flash") == ["Project Growth created."]


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Has Spaces", "Use 1–48 lowercase letters"),
        ("-leading", "Use 1–48 lowercase letters"),
        ("x" * 49, "Use 1–48 lowercase letters"),
        ("", "Use 1–48 lowercase letters"),
    ],
)
async def test_an_invalid_slug_is_refused_with_a_message(signed_in, make_user, slug, message):
    browser = await signed_in(await make_user(is_admin=True))
    response = await browser.post("/partials/projects", {"name": "X", "slug": slug}, htmx=True)
    assert response.status == 422
    assert response.texts("#e-slug")[0].startswith(message)
    assert await Project.count() == 0


async def test_a_duplicate_slug_is_refused(signed_in, make_user, make_project):
    admin = await make_user(is_admin=True)
    await make_project(admin, slug="taken")
    browser = await signed_in(admin)
    response = await browser.post(
        "/partials/projects", {"name": "Again", "slug": "taken"}, htmx=True
    )
    assert response.status == 422
    assert response.texts("#e-slug") == ["The slug “taken” is taken."]
    assert response.select_one("#f-name")["value"] == "Again"
    assert await Project.count() == 1


async def test_a_missing_name_is_refused(signed_in, make_user):
    browser = await signed_in(await make_user(is_admin=True))
    response = await browser.post("/app/projects", {"name": "  ", "slug": "ok"})
    assert response.status == 400
    assert response.texts("#e-name") == ["Give the project a name."]


async def test_people_who_are_not_instance_admins_cannot_create_projects(signed_in, make_user):
    browser = await signed_in(await make_user())
    page = await browser.get("/app")
    assert page.select_one("form[action='/app/projects']") is None
    assert "Ask a project admin for an invite link." in page.text
    for path in ("/app/projects", "/partials/projects"):
        response = await browser.post(path, {"name": "Mine", "slug": "mine"})
        assert response.status == 403
    assert await Project.count() == 0


async def test_the_projects_list_shows_only_my_projects_with_status_and_role(
    signed_in, make_user, make_project, add_member
):
    owner, other = await make_user(is_admin=True), await make_user(is_admin=True)
    mine = await make_project(owner, slug="alpha", name="Alpha")
    shared = await make_project(other, slug="beta", name="Beta")
    await make_project(other, slug="gamma", name="Gamma")
    await add_member(shared, owner, Role.VIEWER)
    browser = await signed_in(owner)

    page = await browser.get("/app")

    assert page.texts("#projects .title-link") == ["Alpha", "Beta"]
    assert page.texts("#projects .row-meta .badge") == [
        "Incomplete",
        "admin",
        "Incomplete",
        "viewer",
    ]
    assert [a["href"] for a in page.select("#projects .row-meta a.button")] == [
        f"/p/{mine.slug}",
        f"/p/{shared.slug}",
    ]


@pytest.mark.parametrize("section", SECTIONS)
async def test_every_project_section_is_open_to_members(
    signed_in, make_user, make_project, add_member, section
):
    owner, viewer = await make_user(is_admin=True), await make_user()
    project = await make_project(owner)
    await add_member(project, viewer, Role.VIEWER)
    browser = await signed_in(viewer)
    page = await browser.get(f"/p/{project.slug}{section}")
    assert page.status == 200
    current = page.texts(".tabs a[aria-current=page]")
    assert len(current) == 1


@pytest.mark.parametrize("section", SECTIONS)
async def test_a_member_of_one_project_gets_404_for_another(
    signed_in, make_user, make_project, section
):
    alice, bob = await make_user(is_admin=True), await make_user(is_admin=True)
    await make_project(alice, slug="alices")
    await make_project(bob, slug="bobs")
    browser = await signed_in(alice)
    hidden = await browser.get(f"/p/bobs{section}")
    missing = await browser.get(f"/p/nope{section}")
    assert hidden.status == missing.status == 404
    assert hidden.texts("h1") == missing.texts("h1") == ["Not found"]


async def test_the_project_switcher_lists_my_projects(signed_in, make_user, make_project):
    owner = await make_user(is_admin=True)
    await make_project(owner, slug="one", name="One")
    await make_project(owner, slug="two", name="Two")
    browser = await signed_in(owner)
    fragment = await browser.get("/partials/projects/switcher", htmx=True)
    assert fragment.texts("a") == ["One", "Two", "All projects"]


async def test_an_unknown_page_is_a_friendly_404(signed_in, make_user):
    browser = await signed_in(await make_user())
    page = await browser.get("/no/such/page")
    assert page.status == 404
    assert page.select_one("a.button")["href"] == "/app"


async def test_signed_out_visitors_are_sent_to_login_from_every_page(visitor):
    browser = visitor()
    for path in ["/app", "/p/any", "/p/any/settings", "/p/any/members", "/partials/projects"]:
        response = await browser.get(path)
        assert response.status == 302, path
        assert response.location.startswith("/login?next=")


async def test_an_unexpected_error_shows_a_friendly_500_page(settings, caplog):
    from app.main import create_app

    application = create_app(settings)

    @application.get("/explode")
    async def explode():
        raise RuntimeError("kaboom")

    async with application.test_app():
        client = application.test_client()
        response = await client.get("/explode")
        body = await response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "kaboom" not in body
    assert "kaboom" in caplog.text  # logged for the operator
