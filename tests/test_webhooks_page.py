"""The webhooks page: URLs to paste, health for every member, actions for project admins only."""

from __future__ import annotations

import pytest

from app.services import project_config_input, project_config_writes, secrets
from app.services.projects import Role
from app.tables import AsanaWebhook
from tests.support.github_payloads import PAYLOADS, signed

SECRET = "whsec-page-0123456789"


@pytest.fixture
async def cast(app, make_user, make_project, add_member):
    owner = await make_user("owner", is_admin=True)
    viewer, outsider = await make_user("viewer"), await make_user("outsider")
    project = await make_project(owner, slug="acme", name="Acme")
    await add_member(project, viewer, Role.VIEWER)
    await project_config_writes.save_repos(project.id, ["acme/api", "acme/web", "acme/docs"])
    await project_config_writes.save_asana_config(
        project.id,
        project_config_input.AsanaInput(
            workspace_gid=None,
            project_gids=["1200000000000001"],
            autotask_field_gid=None,
            autotask_on_option_gid=None,
            repo_field_gid=None,
            status_field_gid=None,
        ),
    )
    await secrets.write_secret(project.id, "github_webhook_secret", SECRET)
    return {"owner": owner, "viewer": viewer, "outsider": outsider, "project": project}


async def test_the_page_shows_the_urls_and_what_is_not_set_up_yet(cast, signed_in):
    browser = await signed_in(cast["owner"])
    page = await browser.get("/p/acme/webhooks")
    assert page.status == 200
    project_id = cast["project"].id
    assert (
        page.select_one("#github-url")["value"]
        == f"http://127.0.0.1:8000/webhooks/github/{project_id}"
    )
    assert page.texts("#asana-hooks td[data-label=State]") == ["not set up"]
    assert page.texts("#github-hooks td[data-label=Repository]") == [
        "acme/api",
        "acme/web",
        "acme/docs",
    ]
    assert page.select_one("form[action$='/webhooks/asana/setup']") is not None
    assert page.select_one("form[action$='/webhooks/github/validate']") is not None


async def test_health_counts_deliveries_per_repo(cast, signed_in, app):
    payload = dict(PAYLOADS["issues"], repository={"full_name": "acme/web"})
    body, headers = signed("issues", payload, SECRET)
    client = app.test_client()
    await client.post(f"/webhooks/github/{cast['project'].id}", data=body, headers=headers)
    body, headers = signed("issues", payload, "not the secret")
    await client.post(f"/webhooks/github/{cast['project'].id}", data=body, headers=headers)

    browser = await signed_in(cast["viewer"])
    fragment = await browser.get("/partials/p/acme/webhooks/health", htmx=True)
    rows = {
        row.select_one("td[data-label=Hook]").get_text(" ", strip=True): row
        for row in fragment.select("#webhook-health tbody tr")
    }
    web = rows["GitHub acme/web"]
    assert web.select_one("td[data-label='24 h']").get_text(strip=True) == "1 in, 1 failed"
    assert "does not match" in web.select_one("td[data-label='Last failure']").get_text()
    assert web.select_one("td[data-label=Health] .badge").get_text() == "failing"
    api = rows["GitHub acme/api"]
    assert api.select_one("td[data-label=Health] .badge").get_text() == "waiting"


async def test_viewers_see_the_page_without_any_action(cast, signed_in):
    browser = await signed_in(cast["viewer"])
    page = await browser.get("/p/acme/webhooks")
    assert page.status == 200
    assert page.select("#asana-hooks form, #github-hooks form") == []


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/partials/p/acme/webhooks/asana/setup", {}),
        ("/partials/p/acme/webhooks/asana/remove", {"resource": "1200000000000001"}),
        ("/partials/p/acme/webhooks/github/validate", {}),
        ("/partials/p/acme/webhooks/github/fix", {"repo": "acme/api"}),
    ],
)
async def test_only_project_admins_may_act(cast, signed_in, path, data):
    viewer = await signed_in(cast["viewer"])
    outsider = await signed_in(cast["outsider"])
    assert (await viewer.post(path, data, htmx=True)).status == 403
    assert (await outsider.post(path, data, htmx=True)).status == 404
    assert await AsanaWebhook.count() == 0


async def test_actions_without_tokens_explain_what_is_missing(cast, signed_in):
    admin = await signed_in(cast["owner"])
    asana = await admin.post("/partials/p/acme/webhooks/asana/setup", htmx=True)
    assert asana.texts("#asana-hooks .form-error") == ["Set the Asana token in Settings first."]
    github = await admin.post("/partials/p/acme/webhooks/github/validate", htmx=True)
    assert github.texts("#github-hooks .form-error") == ["Set the GitHub token in Settings first."]
    # Said once, in the region: no toast repeats it.
    assert "HX-Trigger" not in asana.headers and "HX-Trigger" not in github.headers


async def test_fixing_a_repo_outside_the_project_is_refused(cast, signed_in):
    admin = await signed_in(cast["owner"])
    response = await admin.post(
        "/partials/p/acme/webhooks/github/fix", {"repo": "evil/elsewhere"}, htmx=True
    )
    assert response.status == 404
