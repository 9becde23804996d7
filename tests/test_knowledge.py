"""Links, contacts and knowledge notes: inline add, edit and delete by admins, and markdown that
cannot carry a script."""

from __future__ import annotations

import pytest

from app.services.knowledge import render_markdown
from app.services.projects import Role
from app.tables import ProjectContact, ProjectKnowledgeNote, ProjectLink
from tests.support.web import html


@pytest.fixture
async def cast(make_user, make_project, add_member):
    owner = await make_user("owner", is_admin=True)
    viewer = await make_user("viewer")
    project = await make_project(owner, slug="acme", name="Acme")
    await add_member(project, viewer, Role.VIEWER)
    return {"owner": owner, "viewer": viewer, "project": project}


@pytest.fixture
async def admin(cast, signed_in):
    return await signed_in(cast["owner"])


def test_markdown_neutralizes_scripts_event_handlers_and_javascript_links():
    rendered = render_markdown(
        "# Title\n\n<script>alert(1)</script>\n\n"
        "[click](javascript:alert(1)) [ok](https://example.com)\n\n"
        '<img src=x onerror="alert(1)"> <a href="javascript:alert(2)">raw</a>\n\n'
        "![pic](javascript:alert(3))"
    )
    page = html(rendered)
    assert page.select("script") == [] and page.select("img[onerror]") == []
    assert [a["href"] for a in page.select("a")] == ["https://example.com"]
    assert "javascript:" not in " ".join(str(tag.attrs) for tag in page.find_all(True))
    assert page.select_one("h1").text == "Title"


async def test_an_admin_adds_edits_and_deletes_a_note_inline(admin, cast):
    added = await admin.post(
        "/partials/p/acme/notes",
        {"title": "Conventions", "markdown": "Use **ruff**.\n\n<script>alert(1)</script>"},
        htmx=True,
    )
    assert added.status == 200
    assert added.texts("#notes .note h3") == ["Conventions"]
    assert added.select("#notes .markdown strong")[0].text == "ruff"
    assert added.select("#notes script") == []
    note = await ProjectKnowledgeNote.select().first()

    form = await admin.get(f"/partials/p/acme/notes?edit={note['id']}", htmx=True)
    assert form.select_one(f"#note-{note['id']}-markdown").text.startswith("Use **ruff**.")
    edited = await admin.post(
        f"/partials/p/acme/notes/{note['id']}",
        {"title": "Conventions", "markdown": "Use *ruff* and pytest."},
        htmx=True,
    )
    assert edited.texts("#notes .markdown em") == ["ruff"]

    deleted = await admin.post(f"/partials/p/acme/notes/{note['id']}/delete", htmx=True)
    assert deleted.status == 200 and deleted.select("#notes .note") == []
    assert await ProjectKnowledgeNote.count() == 0


async def test_the_knowledge_page_shows_notes_rendered_safely(admin):
    await admin.post(
        "/partials/p/acme/notes",
        {"title": "Links", "markdown": "[bad](javascript:alert(1)) [good](https://docs.example)"},
        htmx=True,
    )
    page = await admin.get("/p/acme/knowledge")
    assert page.status == 200
    assert [a["href"] for a in page.select("#notes .markdown a")] == ["https://docs.example"]


async def test_links_are_added_edited_and_deleted_with_their_tags(admin):
    added = await admin.post(
        "/partials/p/acme/links",
        {
            "kind": "docs",
            "title": "API guide",
            "url": "https://docs.example/api",
            "tags": "API, v2",
        },
        htmx=True,
    )
    assert added.status == 200
    assert added.texts("#links .title-link") == ["API guide"]
    assert added.texts("#links .tag") == ["#api", "#v2"]
    link = await ProjectLink.select().first()
    edited = await admin.post(
        f"/partials/p/acme/links/{link['id']}",
        {"kind": "runbook", "title": "On-call", "url": "https://wiki.example/oncall", "tags": ""},
        htmx=True,
    )
    assert edited.texts("#links .badge") == ["runbook"]
    await admin.post(f"/partials/p/acme/links/{link['id']}/delete", htmx=True)
    assert await ProjectLink.count() == 0


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"kind": "docs", "title": "x", "url": "javascript:alert(1)"}, "url"),
        ({"kind": "docs", "title": "", "url": "https://a.example"}, "title"),
        ({"kind": "weird", "title": "x", "url": "https://a.example"}, "kind"),
    ],
)
async def test_a_bad_link_is_refused_next_to_its_field(admin, form, field):
    response = await admin.post("/partials/p/acme/links", form, htmx=True)
    assert response.status == 422
    assert response.select_one(f"#links #link-new-{field}").find_next("p")["class"] == [
        "field-error"
    ]
    assert await ProjectLink.count() == 0


async def test_contacts_are_added_and_edited_and_a_missing_name_is_refused(admin):
    refused = await admin.post(
        "/partials/p/acme/contacts", {"role": "Owner", "name": ""}, htmx=True
    )
    assert refused.status == 422
    assert refused.texts("#contacts .field-error") == ["Name is required."]
    added = await admin.post(
        "/partials/p/acme/contacts", {"role": "Owner", "name": "Ada", "handle": "@ada"}, htmx=True
    )
    assert added.texts("#contacts li strong") == ["Ada"]
    contact = await ProjectContact.select().first()
    edited = await admin.post(
        f"/partials/p/acme/contacts/{contact['id']}",
        {"role": "Reviewer", "name": "Ada L.", "handle": ""},
        htmx=True,
    )
    assert edited.texts("#contacts li strong") == ["Ada L."]


async def test_a_viewer_reads_knowledge_without_forms_and_may_not_change_it(admin, cast, signed_in):
    await admin.post("/partials/p/acme/notes", {"title": "Hi", "markdown": "Hello"}, htmx=True)
    viewer = await signed_in(cast["viewer"])
    page = await viewer.get("/p/acme/knowledge")
    assert page.texts("#notes .note h3") == ["Hi"]
    assert page.select("main form") == [] and page.select("main details.add-form") == []
    refused = await viewer.post(
        "/partials/p/acme/notes", {"title": "x", "markdown": "y"}, htmx=True
    )
    assert refused.status == 403
    assert await ProjectKnowledgeNote.count() == 1
