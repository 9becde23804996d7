"""API tokens: created on the project's API page by an admin and shown once, kept only as a
digest, listed with their prefix and last use, revoked behind a confirmation; nobody but a
project admin manages them."""

from __future__ import annotations

import asyncio
import hashlib
import re

import asyncpg

from app.services import api_tokens
from app.services.projects import Role
from app.tables import ApiToken

TOKEN_PATTERN = re.compile(r"^afp_[0-9A-Za-z]{46}$")


async def test_an_admin_creates_a_token_that_is_shown_once_and_works(cast, signed_in, app):
    admin = await signed_in(cast["admin"])
    created = await admin.post("/partials/p/acme/api/tokens", {"name": "deploy"}, htmx=True)
    assert created.status == 200
    value = created.select_one("#created-token")["value"]
    assert TOKEN_PATTERN.match(value)
    assert created.texts("#api-tokens .token-name") == ["deploy"]
    assert created.texts("#api-tokens .token-prefix") == [value[:12] + "…"]

    again = await admin.get("/p/acme/api")
    assert again.select_one("#created-token") is None
    assert value not in again.text

    response = await app.test_client().get(
        "/api/v1/projects/acme", headers={"Authorization": f"Bearer {value}"}
    )
    assert response.status_code == 200
    listed = await admin.get("/partials/p/acme/api/tokens", htmx=True)
    assert listed.texts("#api-tokens td[data-label='Last used']") != ["never"]


async def test_a_token_is_stored_only_as_its_sha256_digest(cast, signed_in, database_url):
    admin = await signed_in(cast["admin"])
    created = await admin.post("/partials/p/acme/api/tokens", {"name": "deploy"}, htmx=True)
    value = created.select_one("#created-token")["value"]

    connection = await asyncpg.connect(database_url)
    try:
        rows = [dict(r) for r in await connection.fetch("SELECT * FROM api_tokens")]
    finally:
        await connection.close()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert all(value not in str(column) for column in rows[0].values())
    assert rows[0]["prefix"] == value[:12]


async def test_a_plain_form_post_answers_the_page_with_the_token_instead_of_redirecting(
    cast, signed_in
):
    admin = await signed_in(cast["admin"])
    created = await admin.post("/partials/p/acme/api/tokens", {"name": "deploy"})
    assert created.status == 200
    assert TOKEN_PATTERN.match(created.select_one("#created-token")["value"])


async def test_a_token_needs_a_name(cast, signed_in):
    admin = await signed_in(cast["admin"])
    refused = await admin.post("/partials/p/acme/api/tokens", {"name": "  "}, htmx=True)
    assert refused.status == 422
    assert refused.select_one("#e-name") is not None
    assert await ApiToken.count() == 0


async def test_revoking_asks_for_confirmation_and_the_token_stops_working(cast, signed_in, app):
    admin = await signed_in(cast["admin"])
    created = await admin.post("/partials/p/acme/api/tokens", {"name": "deploy"}, htmx=True)
    value = created.select_one("#created-token")["value"]
    form = created.select_one("#api-tokens form[hx-confirm]")
    assert "deploy" in form["hx-confirm"] and "401" in form["hx-confirm"]

    revoked = await admin.post(form["hx-post"], htmx=True)
    assert revoked.status == 200
    assert revoked.select("#api-tokens .token-row.revoked")
    response = await app.test_client().get(
        "/api/v1/projects/acme", headers={"Authorization": f"Bearer {value}"}
    )
    assert response.status_code == 401


async def test_editors_and_viewers_read_the_page_but_cannot_manage_tokens(cast, signed_in):
    view, _ = await api_tokens.create_token(cast["acme"].id, "ci", cast["admin"].id)
    for role in ("editor", "viewer"):
        member = await signed_in(cast[role])
        page = await member.get("/p/acme/api")
        assert page.status == 200
        assert page.texts("#api-tokens .token-name") == ["ci"]
        assert page.select("#api-tokens form") == []
        created = await member.post("/partials/p/acme/api/tokens", {"name": "mine"}, htmx=True)
        assert created.status == 403
        revoked = await member.post(f"/partials/p/acme/api/tokens/{view.id}/revoke", htmx=True)
        assert revoked.status == 403
    assert await ApiToken.count() == 1
    assert (await ApiToken.select(ApiToken.revoked_at).first())["revoked_at"] is None


async def test_outsiders_get_404_for_the_page_and_its_actions(cast, signed_in):
    view, _ = await api_tokens.create_token(cast["acme"].id, "ci", cast["admin"].id)
    outsider = await signed_in(cast["outsider"])
    assert (await outsider.get("/p/acme/api")).status == 404
    assert (
        await outsider.post("/partials/p/acme/api/tokens", {"name": "x"}, htmx=True)
    ).status == 404
    revoke = await outsider.post(f"/partials/p/acme/api/tokens/{view.id}/revoke", htmx=True)
    assert revoke.status == 404


async def test_an_admin_cannot_revoke_another_projects_token(cast, signed_in):
    theirs, _ = await api_tokens.create_token(cast["other"].id, "x", cast["outsider"].id)
    admin = await signed_in(cast["admin"])
    assert (
        await admin.post(f"/partials/p/acme/api/tokens/{theirs.id}/revoke", htmx=True)
    ).status == 404


async def test_a_token_stops_working_when_its_maker_is_no_longer_an_admin(cast, api, add_member):
    assert (await api.get("/api/v1/projects/acme"))[0] == 200
    from app.tables import ProjectMembership

    await ProjectMembership.update({ProjectMembership.role: Role.EDITOR.value}).where(
        ProjectMembership.user == cast["admin"].id
    )
    assert (await api.get("/api/v1/projects/acme"))[0] == 401


def test_a_token_carries_a_checksum_that_catches_a_typo():
    value = api_tokens.new_token_value()
    assert api_tokens.well_formed(value)
    flipped = value[:10] + ("a" if value[10] != "a" else "b") + value[11:]
    assert not api_tokens.well_formed(flipped)
    assert not api_tokens.well_formed("ghp_" + value[4:])
    assert not api_tokens.well_formed(value + "x")


async def test_concurrent_requests_are_counted_exactly_once_each(cast, app):
    _, value = await api_tokens.create_token(cast["acme"].id, "ci", cast["admin"].id)
    uses = await asyncio.gather(*(api_tokens.authenticate(value) for _ in range(20)))
    assert all(use is not None for use in uses)
    hits = sorted(use.hits for use in uses)
    # One window: exactly 1..20. Should a minute boundary fall inside the burst: 1..a and 1..b
    # with a + b = 20. A lost update would repeat a count or skip one.
    first = max(hits)
    assert hits == sorted([*range(1, first + 1), *range(1, 20 - first + 1)])


async def test_the_api_page_has_a_curl_example_for_every_operation_with_the_public_url(
    cast, signed_in, app
):
    from tests.api.spec import operations

    public = app.config["AUTOFLOW_SETTINGS"].public_url
    page = await (await signed_in(cast["viewer"])).get("/p/acme/api")
    examples = {node["id"].removeprefix("op-"): node for node in page.select(".curl-example")}
    assert set(examples) == {op.operation_id for op in operations()}
    for node in examples.values():
        command = node.select_one("pre code").get_text()
        assert command.startswith(f"curl -sS -X {node.select_one('.badge').text} {public}/api/v1/")
        assert "/projects/acme" in command and "$AUTOFLOW_TOKEN" in command
        assert "afp_" not in command  # a placeholder, never a real token
    assert page.select_one("#openapi-link")["href"] == f"{public}/api/v1/openapi.json"
    post_link = examples["create_link"].select_one("pre code").get_text()
    assert '-H "Content-Type: application/json"' in post_link and '"url":' in post_link
