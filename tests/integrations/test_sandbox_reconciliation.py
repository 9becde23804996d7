"""The endpoints reconciliation polls, answering as strictly as the real services: GitHub's
issue and pull lists with their filters and `Link` pages, runs by head_sha/event/status,
hook deliveries and redelivery, the rate limit; Asana's task lists, opt_fields, the events API
with sync tokens, webhook filters and deleted tasks."""

from __future__ import annotations

import pytest

from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN

GITHUB_HEADERS = {"Authorization": f"Bearer {GITHUB_TOKEN}", "User-Agent": "reconcile-test"}
ASANA_HEADERS = {"Authorization": f"Bearer {ASANA_TOKEN}"}


@pytest.fixture
def github(sandbox, http_session):
    async def call(method, path, *, params=None, body=None, headers=None):
        async with http_session.request(
            method,
            sandbox.github.base_url + path,
            params=params,
            json=body,
            headers={**GITHUB_HEADERS, **(headers or {})},
        ) as response:
            return response.status, response.headers, await response.json(content_type=None)

    return call


@pytest.fixture
def asana(sandbox, http_session):
    async def call(method, path, *, params=None, body=None):
        async with http_session.request(
            method, sandbox.asana.base_url + path, params=params, json=body, headers=ASANA_HEADERS
        ) as response:
            return response.status, await response.json()

    return call


async def open_issues(github, repo, titles):
    numbers = []
    for title in titles:
        status, _, issue = await github("POST", f"/repos/{repo}/issues", body={"title": title})
        assert status == 201
        numbers.append(issue["number"])
    return numbers


async def test_listing_issues_filters_sorts_and_pages_as_github_does(github, sandbox):
    repo = sandbox.seed.repo
    numbers = await open_issues(github, repo, ["one", "two", "three"])
    await github("PATCH", f"/repos/{repo}/issues/{numbers[0]}", body={"state": "closed"})
    await github("POST", f"/repos/{repo}/issues/{numbers[1]}/labels", body={"labels": ["bug"]})

    _, _, open_now = await github("GET", f"/repos/{repo}/issues")
    assert [i["number"] for i in open_now] == [numbers[2], numbers[1]]  # newest first
    _, _, everything = await github(
        "GET", f"/repos/{repo}/issues", params={"state": "all", "direction": "asc"}
    )
    assert [i["number"] for i in everything] == numbers
    _, _, labelled = await github("GET", f"/repos/{repo}/issues", params={"labels": "bug"})
    assert [i["number"] for i in labelled] == [numbers[1]]
    _, _, by_me = await github(
        "GET", f"/repos/{repo}/issues", params={"creator": sandbox.seed.github_admin}
    )
    assert len(by_me) == 2
    _, _, nobody = await github("GET", f"/repos/{repo}/issues", params={"creator": "someone"})
    assert nobody == []
    _, _, later = await github(
        "GET", f"/repos/{repo}/issues", params={"since": "2999-01-01T00:00:00Z"}
    )
    assert later == []
    _, headers, page = await github(
        "GET", f"/repos/{repo}/issues", params={"state": "all", "per_page": "2"}
    )
    assert len(page) == 2 and 'rel="next"' in headers["Link"] and 'rel="last"' in headers["Link"]
    status, _, error = await github("GET", f"/repos/{repo}/issues", params={"state": "opened"})
    assert status == 422 and error["errors"][0]["field"] == "state"


async def test_per_page_is_capped_at_100(github, sandbox):
    repo = sandbox.seed.repo
    await open_issues(github, repo, [f"issue {n}" for n in range(105)])
    _, headers, page = await github("GET", f"/repos/{repo}/issues", params={"per_page": "500"})
    assert len(page) == 100 and "page=2" in headers["Link"]
    _, _, default = await github("GET", f"/repos/{repo}/issues")
    assert len(default) == 30


async def test_pulls_filter_by_head_and_base_and_list_their_commits_and_files(github, sandbox):
    repo = sandbox.seed.repo
    agent = sandbox.github.agent
    pull = agent.open_pull(
        sandbox.github.activity.repo(repo), "feature/x", "Add x", "Closes #1", agent.account
    )
    owner = repo.split("/")[0]
    _, _, found = await github("GET", f"/repos/{repo}/pulls", params={"head": f"{owner}:feature/x"})
    assert [p["number"] for p in found] == [pull.number]
    _, _, other = await github("GET", f"/repos/{repo}/pulls", params={"base": "release"})
    assert other == []
    status, _, _ = await github("GET", f"/repos/{repo}/pulls", params={"head": "feature/x"})
    assert status == 422  # head must be "owner:branch"
    _, _, commits = await github("GET", f"/repos/{repo}/pulls/{pull.number}/commits")
    assert [c["sha"] for c in commits] == [pull.head_sha]
    _, _, files = await github("GET", f"/repos/{repo}/pulls/{pull.number}/files")
    assert files and files[0]["status"] == "added"
    _, _, commit = await github("GET", f"/repos/{repo}/commits/{pull.head_sha[:7]}")
    assert commit["sha"] == pull.head_sha and commit["files"]
    status, _, _ = await github("GET", f"/repos/{repo}/commits/{'e' * 40}")
    assert status == 422


async def test_runs_filter_by_head_sha_event_and_status(github, sandbox):
    repo = sandbox.seed.repo
    sha = sandbox.github.world.repos[repo].branches["main"]
    sandbox.github.agent.complete_runs(repo, sha, {"CI": "failure", "Lint": "success"})
    sandbox.github.agent.complete_runs(repo, sha, {"Docs": "success"}, event="pull_request")
    query = {"head_sha": sha, "event": "push"}
    _, _, pushed = await github("GET", f"/repos/{repo}/actions/runs", params=query)
    assert {r["name"] for r in pushed["workflow_runs"]} == {"CI", "Lint"}
    _, _, failed = await github("GET", f"/repos/{repo}/actions/runs", params={"status": "failure"})
    assert [r["name"] for r in failed["workflow_runs"]] == ["CI"]
    assert all(r["head_commit"]["id"] == sha for r in pushed["workflow_runs"])
    status, _, _ = await github("GET", f"/repos/{repo}/actions/runs", params={"status": "red"})
    assert status == 422


async def test_a_hook_is_updated_and_its_deliveries_listed_and_redelivered(
    github, sandbox, webhook_receiver
):
    repo = sandbox.seed.repo
    _, _, hook = await github(
        "POST",
        f"/repos/{repo}/hooks",
        body={"config": {"url": webhook_receiver.url("/gh"), "content_type": "json"}},
    )
    path = f"/repos/{repo}/hooks/{hook['id']}"
    _, _, updated = await github("PATCH", path, body={"add_events": ["issues"], "active": True})
    assert updated["events"] == ["push", "issues"] and updated["config"]["content_type"] == "json"
    await open_issues(github, repo, ["one"])
    await sandbox.settle()
    _, _, deliveries = await github("GET", f"{path}/deliveries")
    assert [d["event"] for d in deliveries] == ["issues", "ping"]  # newest first
    assert deliveries[0]["action"] == "opened" and deliveries[0]["status_code"] == 200
    status, _, _ = await github("POST", f"{path}/deliveries/{deliveries[0]['id']}/attempts")
    assert status == 202
    await sandbox.settle()
    _, _, again = await github("GET", f"{path}/deliveries")
    assert again[0]["redelivery"] and again[0]["guid"] == deliveries[0]["guid"]
    guids = [r.header("X-GitHub-Delivery") for r in webhook_receiver.requests]
    assert guids.count(deliveries[0]["guid"]) == 2


async def test_the_rate_limit_counts_requests_but_not_304s(github, sandbox):
    _, _, before = await github("GET", "/rate_limit")
    _, headers, _ = await github("GET", f"/repos/{sandbox.seed.repo}")
    _, again, _ = await github(
        "GET", f"/repos/{sandbox.seed.repo}", headers={"If-None-Match": headers["ETag"]}
    )
    _, _, after = await github("GET", "/rate_limit")
    assert after["resources"]["core"]["used"] == before["resources"]["core"]["used"] + 1
    assert after["rate"]["remaining"] == 5000 - after["rate"]["used"]
    assert again["X-RateLimit-Used"] == headers["X-RateLimit-Used"]


async def test_asana_lists_a_projects_tasks_with_compact_custom_fields(asana, sandbox):
    seed = sandbox.seed
    task = sandbox.asana.world.add_task(
        seed.project_gid, "Export", custom_values={seed.autotask_field_gid: seed.autotask_yes_gid}
    )
    fields = "name,custom_fields.enum_value.name,custom_fields.display_value"
    status, body = await asana(
        "GET", f"/projects/{seed.project_gid}/tasks", params={"opt_fields": fields}
    )
    assert status == 200
    (record,) = body["data"]
    autotask = next(f for f in record["custom_fields"] if f["gid"] == seed.autotask_field_gid)
    assert autotask == {
        "gid": seed.autotask_field_gid,
        "enum_value": {"gid": seed.autotask_yes_gid, "name": "Yes"},
        "display_value": "Yes",
    }
    status, body = await asana(
        "GET", "/tasks", params={"project": seed.project_gid, "opt_fields": "name,colour"}
    )
    assert status == 400 and "colour" in body["errors"][0]["message"]
    status, body = await asana(
        "GET", f"/projects/{seed.project_gid}/tasks", params={"completed_since": "now"}
    )
    assert [t["gid"] for t in body["data"]] == [task.gid]


async def test_the_events_api_answers_412_first_then_each_change_since(asana, sandbox):
    seed = sandbox.seed
    status, first = await asana("GET", "/events", params={"resource": seed.project_gid})
    assert status == 412 and first["sync"] and first["errors"][0]["message"]
    task = sandbox.asana.world.add_task(seed.project_gid, "Export")
    sandbox.asana.edit_task(
        task.gid,
        by_user_gid=seed.asana_person_gid,
        name="Export CSV",
        custom_fields={seed.autotask_field_gid: seed.autotask_yes_gid},
    )
    status, since = await asana(
        "GET", "/events", params={"resource": seed.project_gid, "sync": first["sync"]}
    )
    assert status == 200 and since["has_more"] is False
    assert [(e["action"], e["change"]["field"]) for e in since["data"]] == [
        ("changed", "name"),
        ("changed", "custom_fields"),
    ]
    new_value = since["data"][1]["change"]["new_value"]
    assert new_value["gid"] == seed.autotask_field_gid
    assert new_value["enum_value"]["name"] == "Yes" and new_value["display_value"] == "Yes"
    _, later = await asana(
        "GET", "/events", params={"resource": seed.project_gid, "sync": since["sync"]}
    )
    assert later["data"] == []


async def test_webhook_filters_are_updated_and_deleting_a_task_is_an_event(
    asana, sandbox, webhook_receiver
):
    seed = sandbox.seed
    _, created = await asana(
        "POST",
        "/webhooks",
        body={"data": {"resource": seed.project_gid, "target": webhook_receiver.url()}},
    )
    gid = created["data"]["gid"]
    only_deleted = [{"resource_type": "task", "action": "deleted"}]
    status, updated = await asana(
        "PUT", f"/webhooks/{gid}", body={"data": {"filters": only_deleted}}
    )
    assert status == 200 and updated["data"]["filters"] == only_deleted
    status, _ = await asana("PUT", f"/webhooks/{gid}", body={"data": {"target": "http://x"}})
    assert status == 400
    task = sandbox.asana.world.add_task(seed.project_gid, "Doomed")
    sandbox.asana.edit_task(task.gid, name="Still doomed")
    status, _ = await asana("DELETE", f"/tasks/{task.gid}")
    assert status == 200
    await sandbox.settle()
    (delivery,) = webhook_receiver.events_for()
    assert b'"action":"deleted"' in delivery.body
    status, _ = await asana("GET", f"/tasks/{task.gid}")
    assert status == 404


async def test_an_asana_update_is_all_or_nothing(asana, sandbox):
    seed = sandbox.seed
    task = sandbox.asana.world.add_task(seed.project_gid, "Keep me")
    status, _ = await asana(
        "PUT",
        f"/tasks/{task.gid}",
        body={"data": {"name": "Changed", "custom_fields": {seed.autotask_field_gid: "nope"}}},
    )
    assert status == 400 and sandbox.asana.world.tasks[task.gid].name == "Keep me"
