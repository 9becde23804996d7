"""The happy path of every operation, and the settings page's rules applied to the API: the
same service functions answer both, so what the page refuses the API refuses, naming the field."""

from __future__ import annotations

from app.tables import ProjectKnowledgeNote

P = "/api/v1/projects/acme"


def fields_of(body) -> dict[str, str]:
    return {f["field"]: f["message"] for f in body["error"]["details"]["fields"]}


async def test_the_project_is_read_and_renamed(api):
    assert await api.get(P) == (200, {"slug": "acme", "name": "Acme"}, (await api.get(P))[2])
    status, body, _ = await api.patch(P, {"name": "  Acme Corp "})
    assert (status, body) == (200, {"slug": "acme", "name": "Acme Corp"})
    assert (await api.get(P))[1]["name"] == "Acme Corp"


async def test_a_project_name_too_long_or_empty_is_refused_naming_it(api):
    for name in ("x" * 121, " ", "a\x00b"):
        status, body, _ = await api.patch(P, {"name": name})
        assert status == 400 and "name" in fields_of(body), body
    assert (await api.get(P))[1]["name"] == "Acme"


async def test_repositories_are_replaced_added_made_default_read_and_removed(api):
    status, body, _ = await api.put(
        f"{P}/repos", {"repos": ["acme/api", "acme/web", "acme/ops"], "default": "acme/web"}
    )
    assert status == 200
    assert body["items"][0] == {"full_name": "acme/web", "is_default": True}
    assert [r["full_name"] for r in body["items"]] == ["acme/web", "acme/api", "acme/ops"]

    status, body, _ = await api.post(f"{P}/repos", {"full_name": "acme/docs"})
    assert status == 201 and body["items"][-1] == {"full_name": "acme/docs", "is_default": False}

    status, body, _ = await api.get(f"{P}/repos/acme/docs")
    assert (status, body) == (200, {"full_name": "acme/docs", "is_default": False})

    status, body, _ = await api.patch(f"{P}/repos/acme/docs", {"is_default": True})
    assert status == 200 and body["items"][0] == {"full_name": "acme/docs", "is_default": True}

    status, _, _ = await api.delete(f"{P}/repos/acme/docs")
    assert status == 204
    status, body, _ = await api.get(f"{P}/repos")
    assert body["items"][0]["is_default"] and len(body["items"]) == 3
    assert (await api.get(f"{P}/repos/acme/docs"))[0] == 404


async def test_repository_rules_of_the_settings_page_hold_and_name_the_field(api):
    status, body, _ = await api.put(f"{P}/repos", {"repos": ["acme/api", "not a repo"]})
    assert status == 400 and "repos.1" in fields_of(body)
    status, body, _ = await api.put(f"{P}/repos", {"repos": [f"acme/r{i}" for i in range(11)]})
    assert status == 400 and "repos" in fields_of(body)
    status, body, _ = await api.put(f"{P}/repos", {"repos": ["acme/api"], "default": "acme/x"})
    assert status == 400 and "default" in fields_of(body)
    await api.put(f"{P}/repos", {"repos": ["acme/api"]})
    status, body, _ = await api.post(f"{P}/repos", {"full_name": "ACME/api"})
    assert status == 400 and "full_name" in fields_of(body)


async def test_asana_projects_are_replaced_added_read_and_removed(api):
    status, body, _ = await api.put(f"{P}/asana-projects", {"gids": ["111", "222"]})
    assert status == 200 and [p["gid"] for p in body["items"]] == ["111", "222"]
    status, body, _ = await api.post(f"{P}/asana-projects", {"gid": "333"})
    assert status == 201 and [p["gid"] for p in body["items"]] == ["111", "222", "333"]
    assert (await api.get(f"{P}/asana-projects/222"))[1] == {"gid": "222", "name": ""}
    assert (await api.delete(f"{P}/asana-projects/222"))[0] == 204
    status, body, _ = await api.get(f"{P}/asana-projects")
    assert [p["gid"] for p in body["items"]] == ["111", "333"]
    assert (await api.get(f"{P}/asana-projects/222"))[0] == 404


async def test_an_asana_gid_that_is_not_a_number_is_refused_naming_the_field(api):
    status, body, _ = await api.post(f"{P}/asana-projects", {"gid": "abc"})
    assert status == 400 and "gid" in fields_of(body)
    status, body, _ = await api.put(f"{P}/asana-projects", {"gids": ["1", "x"]})
    assert status == 400 and "gids" in fields_of(body)


async def test_links_are_created_read_changed_and_deleted(api):
    status, link, _ = await api.post(
        f"{P}/links", {"url": "https://docs.example/a", "title": "Docs", "tags": ["Ops", "ops"]}
    )
    assert status == 201
    assert link == {
        "id": link["id"],
        "kind": "docs",
        "url": "https://docs.example/a",
        "title": "Docs",
        "tags": ["ops"],
    }
    assert (await api.get(f"{P}/links"))[1]["items"] == [link]
    status, changed, _ = await api.patch(f"{P}/links/{link['id']}", {"kind": "runbook"})
    assert status == 200 and changed == {**link, "kind": "runbook"}
    assert (await api.get(f"{P}/links/{link['id']}"))[1] == changed
    assert (await api.delete(f"{P}/links/{link['id']}"))[0] == 204
    assert (await api.get(f"{P}/links/{link['id']}"))[0] == 404
    assert (await api.delete(f"{P}/links/{link['id']}"))[0] == 404


async def test_a_link_that_is_not_http_is_refused_naming_the_url(api):
    status, body, _ = await api.post(f"{P}/links", {"url": "javascript:alert(1)", "title": "x"})
    assert status == 400 and "url" in fields_of(body)
    status, body, _ = await api.post(f"{P}/links", {"url": "https://x.example", "kind": "blog"})
    assert status == 400 and {"kind", "title"} <= set(fields_of(body))


async def test_contacts_are_created_read_changed_and_deleted(api):
    status, contact, _ = await api.post(f"{P}/contacts", {"role": "Lead", "name": "Ada"})
    assert status == 201 and contact["handle"] == ""
    status, changed, _ = await api.patch(f"{P}/contacts/{contact['id']}", {"handle": "@ada"})
    assert changed == {**contact, "handle": "@ada"}
    assert (await api.get(f"{P}/contacts"))[1]["items"] == [changed]
    assert (await api.get(f"{P}/contacts/{contact['id']}"))[1] == changed
    status, body, _ = await api.patch(f"{P}/contacts/{contact['id']}", {"name": ""})
    assert status == 400 and "name" in fields_of(body)
    assert (await api.delete(f"{P}/contacts/{contact['id']}"))[0] == 204
    assert (await api.get(f"{P}/contacts"))[1]["items"] == []


async def test_notes_are_rendered_safely_and_recorded_as_the_token_makers(api, cast):
    status, note, _ = await api.post(
        f"{P}/notes", {"title": "Style", "markdown": "Use **ruff**.<script>alert(1)</script>"}
    )
    assert status == 201
    assert "<strong>ruff</strong>" in note["html"] and "<script" not in note["html"]
    row = await ProjectKnowledgeNote.select().first()
    assert row["updated_by"] == cast["admin"].id
    status, changed, _ = await api.patch(f"{P}/notes/{note['id']}", {"markdown": "*new*"})
    assert status == 200 and changed["title"] == "Style" and "<em>new</em>" in changed["html"]
    assert (await api.get(f"{P}/notes/{note['id']}"))[1]["markdown"] == "*new*"
    assert len((await api.get(f"{P}/notes"))[1]["items"]) == 1
    assert (await api.delete(f"{P}/notes/{note['id']}"))[0] == 204


async def test_what_the_api_changes_the_settings_page_shows(api, cast, signed_in):
    await api.post(f"{P}/links", {"url": "https://runbook.example", "title": "Runbook"})
    await api.put(f"{P}/repos", {"repos": ["acme/api", "acme/web", "acme/ops"]})
    page = await (await signed_in(cast["viewer"])).get("/p/acme/settings")
    assert "Runbook" in page.texts("#links .title-link")
    assert "acme/api" in page.text


async def test_another_projects_items_are_not_reachable_by_id(api, other_token, cast):
    from app.services import knowledge

    theirs = await knowledge.add_link(cast["other"].id, {"url": "https://x.example", "title": "X"})
    for method in ("GET", "DELETE"):
        status, _, _ = await api.call(method, f"{P}/links/{theirs.id}")
        assert status == 404
    status, _, _ = await api.patch(f"{P}/links/{theirs.id}", {"title": "mine"})
    assert status == 404
    assert (await knowledge.get_link(cast["other"].id, theirs.id)).title == "X"
