"""The project configuration services: the interface the webhook and pipeline code reads,
input parsing, and the readiness of a project."""

from __future__ import annotations

import pytest

from app.services import integration_readiness as readiness
from app.services import project_config as config
from app.services import project_config_input as config_input
from app.services import project_config_writes as config_writes
from app.services.integration_readiness import Readiness
from app.services.project_config import Service
from app.services.project_config_input import AsanaInput, ConfigProblem
from app.services.secrets import prepare_keyring, write_secret


@pytest.fixture
async def project(db, settings, make_user, make_project):
    await prepare_keyring(settings)
    owner = await make_user("owner", is_admin=True)
    return await make_project(owner, slug="acme")


def _asana_input(**changes) -> AsanaInput:
    values = dict(
        workspace_gid="100",
        project_gids=["201", "202"],
        autotask_field_gid="301",
        autotask_on_option_gid="302",
        repo_field_gid="303",
        status_field_gid="304",
    )
    values.update(changes)
    return AsanaInput(**values)


async def test_an_unconfigured_project_has_no_gids_and_no_repos(project):
    assert await config.asana_project_gids(project.id) == []
    assert await config.asana_workspace_gid(project.id) is None
    assert await config.github_repos(project.id) == []


async def test_saved_asana_settings_read_back_in_order(project):
    await config_writes.save_asana_config(project.id, _asana_input(project_gids=["202", "201"]))
    assert await config.asana_project_gids(project.id) == ["202", "201"]
    assert await config.asana_workspace_gid(project.id) == "100"
    saved = await config.asana_config(project.id)
    assert saved.autotask_on_option_gid == "302"


async def test_github_repos_come_default_first(project):
    await config_writes.save_repos(project.id, ["acme/web", "acme/api", "acme/docs"])
    assert await config.github_repos(project.id) == ["acme/web", "acme/api", "acme/docs"]
    assert await config.default_repo(project.id) == "acme/web"


def test_the_repos_form_puts_the_chosen_default_first():
    parsed = config_input.parse_repos_input(["acme/a", "", "acme/b", "acme/c"], ["2"])
    assert parsed.repos == ["acme/b", "acme/a", "acme/c"]


@pytest.mark.parametrize(
    ("rows", "defaults", "field"),
    [
        (["acme"], ["0"], "repo-0"),
        (["acme/a", "not a repo/x"], ["0"], "repo-1"),
        (["-acme/a"], ["0"], "repo-0"),
        (["acme/a", "ACME/a"], ["0"], "repo-1"),
        ([f"acme/r{i}" for i in range(11)], ["0"], "repos"),
        (["acme/a", "acme/b"], ["0", "1"], "default"),
        (["acme/a", ""], ["1"], "default"),
    ],
)
def test_the_repos_form_refuses_bad_input(rows, defaults, field):
    with pytest.raises(ConfigProblem) as caught:
        config_input.parse_repos_input(rows, defaults)
    assert field in caught.value.errors


@pytest.mark.parametrize("bad", ["12ab", "abc", "1 OR 1=1", "-5", "1" * 33])
def test_a_malformed_gid_is_refused(bad):
    with pytest.raises(ConfigProblem) as caught:
        config_input.parse_asana_input({"repo_field_gid": bad}, [])
    assert "not an Asana gid" in caught.value.errors["repo_field_gid"]


def test_project_gids_may_be_pasted_separated_by_commas_or_spaces():
    parsed = config_input.parse_asana_input({}, ["111, 222\n333", "222", "444"])
    assert parsed.project_gids == ["111", "222", "333", "444"]


def test_a_repo_option_maps_by_name_unless_overridden():
    repos = ["acme/web", "acme/api"]
    assert config.resolve_repo("1", "Acme/Web", repos, {}) == "acme/web"
    assert config.resolve_repo("1", "Website", repos, {}) is None
    assert config.resolve_repo("1", "Website", repos, {"1": "acme/api"}) == "acme/api"
    # An override to a repository no longer listed falls back to the name.
    assert config.resolve_repo("1", "acme/web", repos, {"1": "acme/gone"}) == "acme/web"


async def test_a_mapping_to_a_repo_outside_the_project_is_refused(project):
    await config_writes.save_repos(project.id, ["acme/web", "acme/api", "acme/docs"])
    with pytest.raises(ConfigProblem) as caught:
        await config_writes.save_repo_overrides(
            project.id, [config.RepoOverride("900", "Website", "other/repo")]
        )
    assert "not one of this project's repositories" in caught.value.errors["map-900"]
    assert await config.repo_overrides(project.id) == {}


async def test_a_project_is_incomplete_until_everything_is_set_then_configured(project):
    status = await readiness.integration_status(project.id)
    assert status.state is Readiness.INCOMPLETE
    assert "Asana token" in status.missing and "GitHub token" in status.missing

    await write_secret(project.id, "asana_pat", "asana-token-0123456789")
    await write_secret(project.id, "github_token", "github-token-0123456789")
    await config_writes.save_asana_config(project.id, _asana_input())
    await config_writes.save_repos(project.id, ["acme/web", "acme/api"])
    status = await readiness.integration_status(project.id)
    assert status.missing == ("at least 3 GitHub repositories (2 so far)",)

    await config_writes.save_repos(project.id, ["acme/web", "acme/api", "acme/docs"])
    assert (await readiness.integration_status(project.id)).state is Readiness.CONFIGURED


async def test_a_project_fails_while_its_last_error_is_newer_than_its_last_success(project):
    await readiness.record_check(project.id, Service.GITHUB, "GitHub rejected the token")
    status = await readiness.integration_status(project.id)
    assert status.state is Readiness.FAILING
    assert "GitHub rejected the token" in status.summary
    await readiness.record_check(project.id, Service.GITHUB)
    assert (await readiness.integration_status(project.id)).state is Readiness.INCOMPLETE
