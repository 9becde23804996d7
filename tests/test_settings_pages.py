"""The settings page against the sandbox: secrets (masked, replaced, generated, never shown),
Asana pickers and "Test connection", GitHub repositories, status and repo maps, the sync of Repo
options, the integration status, and every refusal path."""

from __future__ import annotations

import logging

import pytest

from app.main import create_app
from app.sandbox.runner import ASANA_TOKEN, GITHUB_READER_TOKEN, GITHUB_TOKEN
from app.services import project_config as config
from app.services.projects import Role
from app.services.secrets import read_secret
from app.tables import AsanaFieldConfig, ProjectAsanaProject, ProjectGithubRepo, ProjectSecret

EXTRA_REPOS = ("sandbox-org/api", "sandbox-org/web")


@pytest.fixture
async def app(settings, sandbox):
    """The app with its Asana and GitHub base URLs pointed at the sandbox."""
    for full_name in EXTRA_REPOS:
        owner, name = full_name.split("/")
        repo = sandbox.github.world.add_repo(owner, name)
        sandbox.github.world.grant(repo, sandbox.seed.github_admin, "admin")
    application = create_app(
        settings.replace(
            asana_api_url=sandbox.asana.base_url, github_api_url=sandbox.github.base_url
        )
    )
    async with application.test_app():
        yield application


@pytest.fixture
async def cast(make_user, make_project, add_member):
    owner = await make_user("owner", is_admin=True)
    editor, viewer, outsider = (
        await make_user("editor"),
        await make_user("viewer"),
        await make_user("outsider"),
    )
    project = await make_project(owner, slug="acme", name="Acme")
    await add_member(project, editor, Role.EDITOR)
    await add_member(project, viewer, Role.VIEWER)
    return {"owner": owner, "editor": editor, "viewer": viewer, "outsider": outsider,
            "project": project}  # fmt: skip


@pytest.fixture
async def admin(cast, signed_in):
    return await signed_in(cast["owner"])


async def _set_tokens(browser, asana=ASANA_TOKEN, github=GITHUB_TOKEN):
    for name, value in (("asana_pat", asana), ("github_token", github)):
        response = await browser.post(
            f"/partials/p/acme/settings/secrets/{name}", {"value": value}, htmx=True
        )
        assert response.status == 200, response.text


def _asana_form(seed, **changes):
    form = {
        "workspace_gid": seed.workspace_gid,
        "asana_project_gids": seed.project_gid,
        "autotask_field_gid": seed.autotask_field_gid,
        "autotask_on_option_gid": seed.autotask_yes_gid,
        "repo_field_gid": seed.repo_field_gid,
        "status_field_gid": seed.status_field_gid,
    }
    form.update(changes)
    return form


def _repos_form(repos, default="0"):
    form = {"repo": list(repos), "default": default}
    return form


async def _configure(browser, seed):
    await _set_tokens(browser)
    saved = await browser.post("/partials/p/acme/settings/asana", _asana_form(seed), htmx=True)
    assert saved.status == 200, saved.text
    repos = await browser.post(
        "/partials/p/acme/settings/github", _repos_form([seed.repo, *EXTRA_REPOS]), htmx=True
    )
    assert repos.status == 200, repos.text


# -- secrets ----------------------------------------------------------------------------------


async def test_a_saved_token_is_encrypted_and_shown_masked(admin, cast, sandbox):
    response = await admin.post(
        "/partials/p/acme/settings/secrets/asana_pat", {"value": ASANA_TOKEN}, htmx=True
    )
    assert response.status == 200
    assert "Sandbox Admin" in response.headers["HX-Trigger"]
    assert response.texts("#secret-asana_pat .secret-mask") == ["••••oken"]
    assert ASANA_TOKEN not in response.text

    raw = await ProjectSecret.select(ProjectSecret.ciphertext).first()
    assert ASANA_TOKEN not in raw["ciphertext"] and raw["ciphertext"].startswith("v1:")
    assert await read_secret(cast["project"].id, "asana_pat") == ASANA_TOKEN

    page = await admin.get("/p/acme/settings")
    assert page.texts("#secret-asana_pat .secret-mask") == ["••••oken"]
    assert page.texts("#secret-asana_pat a.button") == ["Replace"]
    assert page.select_one("#secret-asana_pat input[name=value]") is None


async def test_an_invalid_token_shows_asanas_error_by_the_field_and_saves_nothing(admin, sandbox):
    response = await admin.post(
        "/partials/p/acme/settings/secrets/asana_pat", {"value": "not-a-real-token"}, htmx=True
    )
    assert response.status == 422
    # Said once, in words an admin understands, by the field; Asana's own answer is one
    # click away; no toast repeats it.
    assert response.texts("#e-asana_pat") == [
        "Asana rejected the token: it is mistyped, expired or revoked. "
        "Create a new one in Asana and replace it here."
    ]
    assert response.texts(".field-error, .form-error") == response.texts("#e-asana_pat")
    detail = response.texts("#e-asana_pat + details.error-detail code")[0]
    assert "401" in detail and "/users/me" in detail
    assert "HX-Trigger" not in response.headers
    assert response.select_one("#f-asana_pat")["aria-invalid"] == "true"
    assert "not-a-real-token" not in response.text
    assert await ProjectSecret.count() == 0


async def test_an_invalid_github_token_is_refused_too(admin, sandbox):
    response = await admin.post(
        "/partials/p/acme/settings/secrets/github_token", {"value": "ghp_wrong"}, htmx=True
    )
    assert response.status == 422
    assert response.texts("#e-github_token")[0].startswith("GitHub rejected the token")
    assert await ProjectSecret.count() == 0


async def test_a_revoked_token_makes_test_connection_fail_and_the_project_failing(
    admin, cast, sandbox
):
    await _set_tokens(admin)
    ok = await admin.post("/partials/p/acme/settings/test/asana", htmx=True)
    assert (
        ok.status == 200
        and ok.texts(".test-ok") == ["✓ Connected as Sandbox Admin (sandbox-admin@example.com)"]
        or "Sandbox Admin" in ok.text
    )

    del sandbox.asana.world.tokens[ASANA_TOKEN]  # revoked in Asana
    failed = await admin.post("/partials/p/acme/settings/test/asana", htmx=True)
    assert failed.status == 422
    assert failed.texts(".form-error")[0].startswith("Asana rejected the token")
    status = await admin.get("/partials/p/acme/settings/status", htmx=True)
    assert status.texts("#integration-status .badge") == ["Failing"]
    assert "Asana rejected the token" in status.texts("#integration-status li")[0]


async def test_the_webhook_secret_is_generated_and_shown_only_once(admin, cast):
    response = await admin.post(
        "/partials/p/acme/settings/secrets/github_webhook_secret/generate", htmx=True
    )
    assert response.status == 200
    shown = response.select_one("#generated-secret")["value"]
    assert len(shown) >= 40
    assert response.select_one("button.copy")["data-copy"] == shown
    assert await read_secret(cast["project"].id, "github_webhook_secret") == shown

    again = await admin.get("/p/acme/settings")
    assert shown not in again.text
    assert again.texts("#secret-github_webhook_secret .secret-mask") == [f"••••{shown[-4:]}"]


async def test_a_secret_never_appears_in_html_json_headers_or_logs(admin, cast, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    await _configure(admin, sandbox.seed)
    replaced = await admin.post(
        "/partials/p/acme/settings/secrets/github_webhook_secret",
        {"value": "whsec-plaintext-0123456789abcdef"},
        htmx=True,
    )
    assert replaced.status == 200
    plaintexts = [ASANA_TOKEN, GITHUB_TOKEN, "whsec-plaintext-0123456789abcdef"]
    responses = [
        await admin.get("/p/acme/settings"),
        await admin.get("/p/acme/knowledge"),
        await admin.get("/p/acme"),
        await admin.get("/app"),
        await admin.get("/healthz"),
        await admin.get("/partials/p/acme/settings/secrets", htmx=True),
        await admin.get("/partials/p/acme/settings/secrets?replace=asana_pat", htmx=True),
        await admin.get("/partials/p/acme/settings/status", htmx=True),
        await admin.post("/partials/p/acme/settings/test/asana", htmx=True),
        await admin.post("/partials/p/acme/settings/test/github", htmx=True),
        await admin.get("/partials/p/acme/settings/asana/pick/workspaces", htmx=True),
        await admin.get("/partials/p/acme/settings/repo-map?load=1", htmx=True),
        await admin.post(
            "/partials/p/acme/settings/secrets/asana_pat", {"value": "bad token!"}, htmx=True
        ),
    ]
    del sandbox.asana.world.tokens[ASANA_TOKEN]
    responses.append(await admin.post("/partials/p/acme/settings/test/asana", htmx=True))
    responses.append(await admin.get("/partials/p/acme/settings/asana/pick/fields", htmx=True))
    for response in responses:
        everything = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
        for secret in plaintexts:
            assert secret not in everything
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for secret in plaintexts:
        assert secret not in logged


# -- roles ------------------------------------------------------------------------------------

MUTATIONS = [
    "/partials/p/acme/settings/secrets/asana_pat",
    "/partials/p/acme/settings/secrets/github_token",
    "/partials/p/acme/settings/secrets/github_webhook_secret",
    "/partials/p/acme/settings/secrets/github_webhook_secret/generate",
    "/partials/p/acme/settings/test/asana",
    "/partials/p/acme/settings/test/github",
    "/partials/p/acme/settings/asana",
    "/partials/p/acme/settings/status-map",
    "/partials/p/acme/settings/github",
    "/partials/p/acme/settings/repo-map",
    "/partials/p/acme/settings/repo-map/sync",
    "/partials/p/acme/links",
    "/partials/p/acme/links/1",
    "/partials/p/acme/links/1/delete",
    "/partials/p/acme/contacts",
    "/partials/p/acme/contacts/1",
    "/partials/p/acme/contacts/1/delete",
    "/partials/p/acme/notes",
    "/partials/p/acme/notes/1",
    "/partials/p/acme/notes/1/delete",
]
ADMIN_READS = [
    "/partials/p/acme/settings/secrets?replace=asana_pat",
    "/partials/p/acme/settings/asana/pick/workspaces",
    "/partials/p/acme/settings/asana/pick/projects",
    "/partials/p/acme/settings/asana/pick/fields",
    "/partials/p/acme/settings/status-map?load=1",
    "/partials/p/acme/settings/repo-map?load=1",
    "/partials/p/acme/links?edit=1",
    "/partials/p/acme/notes?edit=new",
]


@pytest.mark.parametrize("who", ["editor", "viewer"])
async def test_only_a_project_admin_may_change_settings(cast, signed_in, who):
    browser = await signed_in(cast[who])
    for path in MUTATIONS:
        response = await browser.post(path, {"value": "x", "title": "t"}, htmx=True)
        assert response.status == 403, path
    for path in ADMIN_READS:
        assert (await browser.get(path, htmx=True)).status == 403, path
    assert await ProjectSecret.count() == 0
    assert await AsanaFieldConfig.count() == 0


async def test_an_outsider_gets_404_for_every_settings_route(cast, signed_in):
    browser = await signed_in(cast["outsider"])
    assert (await browser.get("/p/acme/settings")).status == 404
    assert (await browser.get("/p/acme/knowledge")).status == 404
    for path in MUTATIONS:
        assert (await browser.post(path, {"value": "x"}, htmx=True)).status == 404, path


async def test_editors_and_viewers_see_settings_read_only_with_secrets_masked(
    admin, cast, signed_in, sandbox
):
    await _configure(admin, sandbox.seed)
    viewer = await signed_in(cast["viewer"])
    page = await viewer.get("/p/acme/settings")
    assert page.status == 200
    assert page.select("main form") == []
    assert page.texts("#secret-asana_pat .secret-mask") == ["••••oken"]
    assert ASANA_TOKEN not in page.text
    assert "Auto-Flow Demo" in page.texts("#asana dl.facts dd")[1]
    assert page.texts("#github li.mono")[0] == "sandbox-org/demo default"


# -- Asana ------------------------------------------------------------------------------------


async def test_the_pickers_list_workspaces_projects_and_fields_from_asana(admin, sandbox):
    seed = sandbox.seed
    await _set_tokens(admin)
    workspaces = await admin.get("/partials/p/acme/settings/asana/pick/workspaces", htmx=True)
    assert workspaces.status == 200
    options = {o["value"]: o.text for o in workspaces.select("select[name=workspace_gid] option")}
    assert options[seed.workspace_gid].startswith("Sandbox Workspace")

    projects = await admin.get(
        f"/partials/p/acme/settings/asana/pick/projects?workspace_gid={seed.workspace_gid}",
        htmx=True,
    )
    boxes = projects.select("input[type=checkbox][name=asana_project_gids]")
    assert [b["value"] for b in boxes] == [seed.project_gid]

    fields = await admin.get(
        f"/partials/p/acme/settings/asana/pick/fields?asana_project_gids={seed.project_gid}",
        htmx=True,
    )
    autotask = {o["value"]: o.text for o in fields.select("#f-autotask_field_gid option")}
    assert autotask[seed.autotask_field_gid].startswith("AutoTask (enum")
    yes = fields.select_one(f"#f-autotask_on_option_gid option[value='{seed.autotask_yes_gid}']")
    assert yes.text == "Yes" and yes.parent["label"] == "AutoTask"


async def test_a_picker_without_a_token_says_what_to_do(admin):
    response = await admin.get("/partials/p/acme/settings/asana/pick/workspaces", htmx=True)
    assert response.status == 422
    assert response.texts("#e-workspace_gid") == ["Save the Asana token first."]


async def test_asana_settings_round_trip_with_names_from_asana(admin, cast, sandbox):
    seed = sandbox.seed
    await _set_tokens(admin)
    response = await admin.post("/partials/p/acme/settings/asana", _asana_form(seed), htmx=True)
    assert response.status == 200
    assert await config.asana_project_gids(cast["project"].id) == [seed.project_gid]
    saved = await config.asana_config(cast["project"].id)
    assert saved.autotask_on_option_gid == seed.autotask_yes_gid
    assert saved.name_of(seed.autotask_yes_gid) == "Yes"
    assert saved.projects[0].name == "Auto-Flow Demo"
    page = await admin.get("/p/acme/settings")
    chosen = page.select_one("#f-autotask_on_option_gid option[selected]")
    assert chosen["value"] == seed.autotask_yes_gid
    # The admin's form shows names before any picker is loaded; gids are secondary text.
    assert chosen.get_text() == f"Yes · {seed.autotask_yes_gid}"
    assert page.texts("#asana-projects .check .name") == ["Auto-Flow Demo"]
    assert page.texts("#asana-projects .check .gid") == [seed.project_gid]
    assert page.select_one("#asana-projects input[type=checkbox]:checked")["value"] == (
        seed.project_gid
    )
    for name in ("autotask_field_gid", "repo_field_gid", "status_field_gid"):
        option = page.select_one(f"#f-{name} option[selected]")
        assert option is not None and not option.get_text().startswith(option["value"]), name


async def test_a_malformed_gid_is_refused_next_to_its_field(admin, sandbox):
    await _set_tokens(admin)
    response = await admin.post(
        "/partials/p/acme/settings/asana",
        _asana_form(sandbox.seed, repo_field_gid="12ab", asana_project_gids="1, x2"),
        htmx=True,
    )
    assert response.status == 422
    assert "not an Asana gid" in response.texts("#e-repo_field_gid")[0]
    assert "not an Asana gid" in response.texts("#e-asana_project_gids")[0]
    assert response.select_one("#f-repo_field_gid")["value"] == "12ab"
    assert await AsanaFieldConfig.count() == 0 and await ProjectAsanaProject.count() == 0


async def test_gids_asana_does_not_know_are_refused_and_nothing_is_saved(admin, sandbox):
    seed = sandbox.seed
    await _set_tokens(admin)
    response = await admin.post(
        "/partials/p/acme/settings/asana",
        _asana_form(seed, autotask_on_option_gid=seed.repo_option_gid, status_field_gid="999"),
        htmx=True,
    )
    assert response.status == 422
    assert "is not an option of AutoTask" in response.texts("#e-autotask_on_option_gid")[0]
    assert "not on the chosen Asana projects" in response.texts("#e-status_field_gid")[0]
    assert await AsanaFieldConfig.count() == 0

    unknown = await admin.post(
        "/partials/p/acme/settings/asana", _asana_form(seed, asana_project_gids="4242"), htmx=True
    )
    assert "Asana has no project 4242" in unknown.texts("#e-asana_project_gids")[0]


async def test_a_revoked_token_refuses_the_asana_save_with_the_services_error(admin, sandbox):
    await _set_tokens(admin)
    del sandbox.asana.world.tokens[ASANA_TOKEN]
    response = await admin.post(
        "/partials/p/acme/settings/asana", _asana_form(sandbox.seed), htmx=True
    )
    assert response.status == 422
    assert response.texts("#asana .form-error")[0].startswith("Asana rejected the token")
    assert await AsanaFieldConfig.count() == 0


async def test_the_status_map_loads_options_from_asana_and_saves(admin, cast, sandbox):
    seed = sandbox.seed
    await _configure(admin, seed)
    loaded = await admin.get("/partials/p/acme/settings/status-map?load=1", htmx=True)
    assert loaded.status == 200
    gids = [i["value"] for i in loaded.select("input[name=option_gid]")]
    names = [i["value"] for i in loaded.select("input[name=option_name]")]
    assert names == ["Queued", "In progress", "Deployed", "Failed"]
    statuses = ["ACTIVE", "ACTIVE", "ACTIVE", "CANCELLED"]
    saved = await admin.post(
        "/partials/p/acme/settings/status-map",
        {"option_gid": gids, "option_name": names, "status": statuses},
        htmx=True,
    )
    assert saved.status == 200
    assert saved.texts("#status-map td[data-label=Means]")[-1] == "CANCELLED"
    assert (await config.status_map(cast["project"].id))[gids[3]] == "CANCELLED"

    refused = await admin.post(
        "/partials/p/acme/settings/status-map",
        {"option_gid": gids[0], "option_name": names[0], "status": "DONE"},
        htmx=True,
    )
    assert refused.status == 422


# -- GitHub -----------------------------------------------------------------------------------


async def test_repositories_are_validated_against_github_with_an_error_per_repo(admin, sandbox):
    await _set_tokens(admin)
    response = await admin.post(
        "/partials/p/acme/settings/github",
        _repos_form(["sandbox-org/demo", "sandbox-org/nope", "sandbox-org/api"]),
        htmx=True,
    )
    assert response.status == 422
    assert response.texts("#e-repo-1") == [
        "GitHub has no repository sandbox-org/nope, or the token may not see it."
    ]
    assert response.select_one("#f-repo-1")["value"] == "sandbox-org/nope"
    assert await ProjectGithubRepo.count() == 0


@pytest.mark.parametrize(
    ("form", "selector", "message"),
    [
        (_repos_form(["sandbox-org/demo", "nope"]), "#e-repo-1", "write it as owner/repo"),
        (_repos_form([f"org/r{i}" for i in range(11)]), "#e-repos", "At most 10"),
        (
            _repos_form(["sandbox-org/demo", "sandbox-org/api"]) | {"default": ["0", "1"]},
            "#e-default",
            "exactly one default",
        ),
    ],
)
async def test_bad_repository_lists_are_refused(admin, form, selector, message):
    response = await admin.post("/partials/p/acme/settings/github", form, htmx=True)
    assert response.status == 422
    assert message in response.texts(selector)[0]
    assert await ProjectGithubRepo.count() == 0


async def test_repositories_save_with_the_chosen_default_first(admin, cast, sandbox):
    await _set_tokens(admin)
    response = await admin.post(
        "/partials/p/acme/settings/github",
        _repos_form(["sandbox-org/demo", "", "sandbox-org/api", "sandbox-org/web"], default="2"),
        htmx=True,
    )
    assert response.status == 200
    assert await config.github_repos(cast["project"].id) == [
        "sandbox-org/api",
        "sandbox-org/demo",
        "sandbox-org/web",
    ]
    assert response.select_one("#github input[name=default][checked]")["value"] == "0"
    assert response.select_one("#f-repo-0")["value"] == "sandbox-org/api"


async def test_repo_options_map_by_name_and_a_mapping_outside_the_project_is_refused(
    admin, cast, sandbox
):
    seed = sandbox.seed
    await _configure(admin, seed)
    loaded = await admin.get("/partials/p/acme/settings/repo-map?load=1", htmx=True)
    first = loaded.select_one(f"#map-{seed.repo_option_gid} option[value='']")
    assert first.text == "automatic: sandbox-org/demo"

    refused = await admin.post(
        "/partials/p/acme/settings/repo-map",
        {"option_gid": seed.repo_option_gid, "option_name": "sandbox-org/demo", "repo": "evil/x"},
        htmx=True,
    )
    assert refused.status == 422
    assert "not one of this project's repositories" in refused.texts("#repo-map .form-error")[0]

    saved = await admin.post(
        "/partials/p/acme/settings/repo-map",
        {
            "option_gid": seed.repo_option_gid,
            "option_name": "sandbox-org/demo",
            "repo": "sandbox-org/web",
        },  # fmt: skip
        htmx=True,
    )
    assert saved.status == 200
    project_id = cast["project"].id
    assert await config.repo_for_option(project_id, seed.repo_option_gid, "sandbox-org/demo") == (
        "sandbox-org/web"
    )


async def test_sync_adds_the_missing_repo_options_to_the_asana_field_once(admin, sandbox):
    seed = sandbox.seed
    await _configure(admin, seed)
    response = await admin.post("/partials/p/acme/settings/repo-map/sync", htmx=True)
    assert response.status == 200
    assert "sandbox-org/api, sandbox-org/web" in response.texts("#repo-map .test-ok")[0]
    field = sandbox.asana.world.custom_fields[seed.repo_field_gid]
    assert [o.name for o in field.enum_options] == ["sandbox-org/demo", *EXTRA_REPOS]

    again = await admin.post("/partials/p/acme/settings/repo-map/sync", htmx=True)
    assert "Every repository already has an option." in again.texts("#repo-map .test-ok")[0]
    assert len(field.enum_options) == 3


async def test_sync_refuses_when_the_options_would_pass_asanas_limit_of_500(admin, sandbox):
    seed = sandbox.seed
    await _configure(admin, seed)
    field = sandbox.asana.world.custom_fields[seed.repo_field_gid]
    while len(field.enum_options) < 499:
        option = field.enum_options[0]
        field.enum_options.append(
            type(option)(f"{len(field.enum_options)}", f"old-{len(field.enum_options)}", "none")
        )
    response = await admin.post("/partials/p/acme/settings/repo-map/sync", htmx=True)
    assert response.status == 422
    assert "limit of 500" in response.texts("#repo-map .form-error")[0]
    assert len(field.enum_options) == 499


async def test_a_read_only_github_token_may_not_see_a_private_repo(admin, sandbox):
    await _set_tokens(admin, github=GITHUB_READER_TOKEN)
    response = await admin.post(
        "/partials/p/acme/settings/github", _repos_form(["sandbox-org/api"]), htmx=True
    )
    assert response.status == 422
    assert "sandbox-org/api" in response.texts("#e-repo-0")[0]


# -- integration status -----------------------------------------------------------------------


async def test_a_fully_set_up_project_shows_configured_everywhere(admin, sandbox):
    before = await admin.get("/p/acme")
    assert before.texts("#integration-status .badge") == ["Incomplete"]
    assert "Asana token" in before.texts("#integration-status p.muted")[0]

    await _configure(admin, sandbox.seed)
    for path in ("/p/acme", "/p/acme/settings"):
        page = await admin.get(path)
        assert page.texts("#integration-status .badge") == ["Configured"], path
    listing = await admin.get("/app")
    assert listing.texts("#projects .row-meta .badge")[0] == "Configured"


async def test_without_htmx_a_save_redirects_back_with_a_notice(admin, sandbox):
    await _set_tokens(admin)
    response = await admin.post("/partials/p/acme/settings/asana", _asana_form(sandbox.seed))
    assert response.status == 303
    assert response.location == "/p/acme/settings#asana"
    page = await admin.get("/p/acme/settings")
    assert page.texts(".flash") == ["Asana settings saved."]
