"""Like the settings page, the API checks repositories and Asana projects with GitHub and Asana
(here the sandbox) when the project has their token saved: what the service does not know is
400 naming the field, a service that refuses the token is 502, and nothing is saved either way."""

from __future__ import annotations

import pytest

from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN
from app.services import secrets

P = "/api/v1/projects/acme"


@pytest.fixture
def settings(settings, sandbox):
    return settings.replace(
        asana_api_url=sandbox.asana.base_url, github_api_url=sandbox.github.base_url
    )


@pytest.fixture
async def tokens_saved(cast, app):
    await secrets.write_secret(cast["acme"].id, "asana_pat", ASANA_TOKEN)
    await secrets.write_secret(cast["acme"].id, "github_token", GITHUB_TOKEN)


def fields_of(body) -> list[str]:
    return [f["field"] for f in body["error"]["details"]["fields"]]


async def test_a_repository_github_has_is_added_and_one_it_lacks_is_refused(
    api, sandbox, tokens_saved
):
    status, body, _ = await api.post(f"{P}/repos", {"full_name": sandbox.seed.repo})
    assert status == 201, body
    status, body, _ = await api.post(f"{P}/repos", {"full_name": "sandbox-org/nowhere"})
    assert status == 400 and fields_of(body) == ["full_name"]
    assert "GitHub has no repository" in body["error"]["message"]
    status, body, _ = await api.put(
        f"{P}/repos", {"repos": [sandbox.seed.repo, "sandbox-org/nowhere"]}
    )
    assert status == 400 and fields_of(body) == ["repos.1"]
    assert [r["full_name"] for r in (await api.get(f"{P}/repos"))[1]["items"]] == [
        sandbox.seed.repo
    ]


async def test_an_asana_project_is_named_by_asana_and_an_unknown_one_is_refused(
    api, sandbox, tokens_saved
):
    status, body, _ = await api.post(f"{P}/asana-projects", {"gid": sandbox.seed.project_gid})
    assert status == 201, body
    assert body["items"][0]["name"]  # Asana's name for it, as the settings page keeps it
    status, body, _ = await api.post(f"{P}/asana-projects", {"gid": "999999999"})
    assert status == 400 and fields_of(body) == ["gid"]


async def test_a_token_the_service_refuses_is_502_and_nothing_is_saved(api, cast, sandbox, app):
    await secrets.write_secret(cast["acme"].id, "github_token", "revoked-token")
    status, body, _ = await api.post(f"{P}/repos", {"full_name": sandbox.seed.repo})
    assert status == 502 and body["error"]["code"] == "upstream_error"
    assert "revoked-token" not in body["error"]["message"]
    assert (await api.get(f"{P}/repos"))[1]["items"] == []
