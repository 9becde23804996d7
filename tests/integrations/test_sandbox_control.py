"""Driving the sandbox's world over HTTP only: its `/_sandbox/...` control endpoints, the
autopilot, and the loop from "AutoTask on" in Asana to a merged pull request with green CI.

The app's side is played by `Pipeline` below, a few lines that do what Auto-Flow's pipeline
does through the public APIs (re-read the task, open an issue, comment `/opencode`), so this
proves the sandbox, not the app.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from app.integrations.asana.webhooks import parse_events
from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN

GITHUB_HEADERS = {"Authorization": f"Bearer {GITHUB_TOKEN}", "User-Agent": "control-test"}
ASANA_HEADERS = {"Authorization": f"Bearer {ASANA_TOKEN}"}


class Http:
    """JSON over HTTP to the sandbox: its control endpoints and its public APIs."""

    def __init__(self, session: aiohttp.ClientSession, sandbox) -> None:
        self.session = session
        described = sandbox.describe()
        self.asana_api, self.github_api = described["asana_api"], described["github_api"]
        self.asana_control = described["asana_control"]
        self.github_control = described["github_control"]

    async def send(
        self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        async with self.session.request(method, url, json=body, headers=headers) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None

    async def control(self, service: str, path: str, body: Any = None) -> Any:
        base = self.asana_control if service == "asana" else self.github_control
        status, answer = await self.send("POST" if body is not None else "GET", base + path, body)
        assert status < 300, (path, status, answer)
        return answer

    async def settle(self) -> None:
        await self.control("github", "/settle", {})

    async def github(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = await self.send(method, self.github_api + path, body, GITHUB_HEADERS)
        assert status < 300, (path, status, answer)
        return answer

    async def asana(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = await self.send(method, self.asana_api + path, body, ASANA_HEADERS)
        assert status < 300, (path, status, answer)
        return answer["data"]


@pytest.fixture
async def http(sandbox, http_session) -> Http:
    return Http(http_session, sandbox)


class Pipeline:
    """What the app does, reduced to the bone: AutoTask on -> issue + `/opencode` comment."""

    def __init__(self, http: Http, seed) -> None:
        self.http, self.seed = http, seed
        self.issues: dict[str, int] = {}  # task gid -> issue number

    async def hook_up(self, receiver) -> None:
        await self.http.asana(
            "POST",
            "/webhooks",
            {"data": {"resource": self.seed.project_gid, "target": receiver.url("/asana")}},
        )
        events = ["issues", "issue_comment", "pull_request", "push", "workflow_run"]
        config = {"url": receiver.url("/github"), "content_type": "json", "secret": "s"}
        await self.http.github(
            "POST", f"/repos/{self.seed.repo}/hooks", {"config": config, "events": events}
        )

    async def on_asana_delivery(self, body: bytes) -> None:
        changed = {
            event.resource_gid
            for event in parse_events(body)
            if event.resource_type == "task" and event.changed_field == "custom_fields"
        }
        for task_gid in sorted(changed):  # events are skinny: re-read each task once
            await self.advance(task_gid)

    async def advance(self, task_gid: str) -> None:
        fields = "name,custom_fields.name,custom_fields.enum_value.name"
        task = await self.http.asana("GET", f"/tasks/{task_gid}?opt_fields={fields}")
        values = {f["name"]: (f.get("enum_value") or {}).get("name") for f in task["custom_fields"]}
        if values.get("AutoTask") != "Yes" or task_gid in self.issues:
            return
        repo = values["Repo"]
        issue = await self.http.github(
            "POST", f"/repos/{repo}/issues", {"title": task["name"], "body": "TaskSpec"}
        )
        self.issues[task_gid] = issue["number"]
        await self.http.github(
            "POST",
            f"/repos/{repo}/issues/{issue['number']}/comments",
            {"body": "/opencode implement"},
        )


def github_events(receiver, event: str) -> list[dict[str, Any]]:
    return [
        json.loads(r.body)
        for r in receiver.events_for("/github")
        if r.header("X-GitHub-Event") == event
    ]


async def turn_autotask_on(http: Http, seed) -> str:
    """A colleague creates a task, then sets AutoTask and Repo on it, in Asana's UI."""
    created = await http.control(
        "asana", "/tasks", {"project": seed.project_gid, "name": "Export CSV"}
    )
    task_gid = created["data"]["gid"]
    await http.control(
        "asana",
        f"/tasks/{task_gid}",
        {"custom_fields": {"AutoTask": "Yes", "Repo": seed.repo}},
    )
    return task_gid


async def test_a_task_travels_from_autotask_on_to_a_merged_pr_with_green_ci_over_http(
    http, sandbox, webhook_receiver
):
    seed = sandbox.seed
    pipeline = Pipeline(http, seed)
    await pipeline.hook_up(webhook_receiver)
    settings = await http.control(
        "github", "/autopilot", {"enabled": True, "merge_delay_seconds": 0, "ci_delay_seconds": 0}
    )
    assert settings["enabled"] and settings["failure_rate"] == 0

    task_gid = await turn_autotask_on(http, seed)
    await http.settle()
    for delivery in webhook_receiver.events_for("/asana"):
        await pipeline.on_asana_delivery(delivery.body)
    await http.settle()  # the agent opens its PR, the autopilot merges it and plays CI

    number = pipeline.issues[task_gid]
    comments = await http.github("GET", f"/repos/{seed.repo}/issues/{number}/comments")
    created = comments[-1]["body"]
    assert created.startswith("Created PR #")
    pull_number = int(created.removeprefix("Created PR #"))
    pull = await http.github("GET", f"/repos/{seed.repo}/pulls/{pull_number}")
    assert pull["merged"] and pull["body"].endswith(f"Closes #{number}")
    assert pull["head"]["ref"].startswith(f"opencode/issue{number}-")
    sha = pull["merge_commit_sha"]
    (closed,) = [
        p for p in github_events(webhook_receiver, "pull_request") if p["action"] == "closed"
    ]
    assert closed["pull_request"]["merged"] and closed["pull_request"]["merge_commit_sha"] == sha
    runs = await http.github("GET", f"/repos/{seed.repo}/actions/runs?head_sha={sha}")
    assert runs["total_count"] >= 1
    assert {(r["status"], r["conclusion"]) for r in runs["workflow_runs"]} == {
        ("completed", "success")
    }
    completed = [
        p["workflow_run"]
        for p in github_events(webhook_receiver, "workflow_run")
        if p["action"] == "completed"
    ]
    assert [(r["head_sha"], r["event"], r["pull_requests"]) for r in completed] == [
        (sha, "push", [])
    ]
    issue = await http.github("GET", f"/repos/{seed.repo}/issues/{number}")
    assert issue["state"] == "closed"
    github_calls = (await http.control("github", "/requests"))["by_route"]
    assert github_calls["POST /repos/{owner}/{repo}/issues"] == 1
    assert github_calls["POST /repos/{owner}/{repo}/issues/{number}/comments"] == 1
    asana_calls = await http.control("asana", "/requests", {"reset": True})
    assert asana_calls["by_route"]["GET /tasks/{gid}"] == 1
    assert (await http.control("asana", "/requests"))["total"] == 0


async def test_each_step_can_be_driven_by_hand_over_http(http, sandbox, webhook_receiver):
    seed = sandbox.seed
    pipeline = Pipeline(http, seed)
    await pipeline.hook_up(webhook_receiver)
    task_gid = await turn_autotask_on(http, seed)
    await http.settle()
    for delivery in webhook_receiver.events_for("/asana"):
        await pipeline.on_asana_delivery(delivery.body)
    await http.settle()
    (pull,) = await http.github("GET", f"/repos/{seed.repo}/pulls")
    assert not pull["merged_at"]  # the autopilot is off: nothing merges by itself

    merged = await http.control("github", "/merge", {"repo": seed.repo, "number": pull["number"]})
    runs = await http.control(
        "github",
        "/runs",
        {"repo": seed.repo, "head_sha": merged["sha"], "conclusions": {"CI": "failure"}},
    )
    (run,) = runs["runs"]
    assert (run["conclusion"], run["run_attempt"]) == ("failure", 1)
    rerun = await http.control(
        "github", "/rerun", {"repo": seed.repo, "run_id": run["id"], "conclusion": "success"}
    )
    assert (rerun["id"], rerun["run_attempt"], rerun["conclusion"]) == (run["id"], 2, "success")
    await http.settle()
    latest = await http.github("GET", f"/repos/{seed.repo}/actions/runs/{run['id']}")
    assert (latest["run_attempt"], latest["conclusion"]) == (2, "success")
    assert latest["previous_attempt_url"].endswith("/attempts/1")
    assert pipeline.issues[task_gid]


async def test_the_autopilot_plays_a_scripted_failure_and_completes_an_api_rerun(
    http, sandbox, webhook_receiver
):
    seed = sandbox.seed
    await http.control(
        "github",
        "/autopilot",
        {"enabled": True, "merge_delay_seconds": 0, "ci_delay_seconds": 0, "script": ["failure"]},
    )
    issue = await http.github("POST", f"/repos/{seed.repo}/issues", {"title": "Fix it"})
    await http.github(
        "POST", f"/repos/{seed.repo}/issues/{issue['number']}/comments", {"body": "/oc do it"}
    )
    await http.settle()
    (run,) = (await http.github("GET", f"/repos/{seed.repo}/actions/runs"))["workflow_runs"]
    assert run["conclusion"] == "failure"

    await http.github("POST", f"/repos/{seed.repo}/actions/runs/{run['id']}/rerun-failed-jobs")
    await http.settle()
    again = await http.github("GET", f"/repos/{seed.repo}/actions/runs/{run['id']}")
    assert (again["run_attempt"], again["conclusion"]) == (2, "success")
    status, refused = await http.send(
        "POST",
        f"{http.github_api}/repos/{seed.repo}/actions/runs/{run['id']}/rerun-failed-jobs",
        headers=GITHUB_HEADERS,
    )
    assert status == 403 and refused["message"]


async def test_a_failure_rate_of_one_fails_every_run_and_settings_read_back(http, sandbox):
    seed = sandbox.seed
    settings = await http.control(
        "github",
        "/autopilot",
        {"enabled": True, "merge_delay_seconds": 0, "ci_delay_seconds": 0, "failure_rate": 1},
    )
    assert settings == await http.control("github", "/autopilot")
    issue = await http.github("POST", f"/repos/{seed.repo}/issues", {"title": "Break it"})
    await http.github(
        "POST", f"/repos/{seed.repo}/issues/{issue['number']}/comments", {"body": "/opencode"}
    )
    await http.settle()
    runs = (await http.github("GET", f"/repos/{seed.repo}/actions/runs"))["workflow_runs"]
    assert [(r["conclusion"], r["actor"]["login"]) for r in runs] == [
        ("failure", seed.github_admin)
    ]


async def test_fault_knobs_are_set_over_http_and_never_touch_the_control_endpoints(http, sandbox):
    armed = await http.control("asana", "/faults", {"fail_next": {"count": 1, "status": 503}})
    assert armed["response_faults"][0]["remaining"] == 1
    await http.control("asana", "/settle", {})  # not consumed by the fault
    status, body = await http.send("GET", f"{http.asana_api}/users/me", headers=ASANA_HEADERS)
    assert status == 503 and body["errors"][0]["phrase"]
    assert (await http.asana("GET", "/users/me"))["gid"] == sandbox.seed.asana_user_gid
    cleared = await http.control(
        "github", "/faults", {"rate_limit_next": {"count": 2}, "clear": True}
    )
    assert cleared["response_faults"] == [
        {"kind": "rate_limit", "remaining": 2, "status": 500, "path": None}
    ]


@pytest.mark.parametrize(
    ("service", "path", "body", "status"),
    [
        ("github", "/merge", {"repo": "sandbox-org/demo"}, 400),
        ("github", "/merge", {"repo": "nobody/nothing", "number": 1}, 404),
        ("github", "/runs", {"repo": "sandbox-org/demo", "head_sha": "f" * 40}, 404),
        ("github", "/autopilot", {"failure_rate": 2}, 400),
        ("github", "/autopilot", {"script": ["green"]}, 400),
        ("github", "/agent", {"next_outcomes": ["maybe"]}, 400),
        ("github", "/faults", {"explode": True}, 400),
        ("asana", "/tasks", {"project": "1", "name": "x"}, 404),
        ("asana", "/tasks/1", {"name": "x"}, 404),
    ],
)
async def test_a_bad_control_request_answers_an_error_saying_why(
    http, sandbox, service, path, body, status
):
    base = http.asana_control if service == "asana" else http.github_control
    answered, answer = await http.send("POST", base + path, body)
    assert answered == status and answer["error"]


async def test_control_edits_act_as_the_named_person_with_one_event_per_field(
    http, sandbox, webhook_receiver
):
    seed = sandbox.seed
    await Pipeline(http, seed).hook_up(webhook_receiver)
    task_gid = await turn_autotask_on(http, seed)
    await http.control(
        "asana",
        f"/tasks/{task_gid}",
        {"as": seed.asana_user_gid, "name": "Renamed", "completed": True},
    )
    await http.settle()
    events = [
        e for r in webhook_receiver.events_for("/asana") for e in json.loads(r.body)["events"]
    ]
    changes = [
        (e["user"]["gid"], e["change"]["field"], e["change"].get("new_value"))
        for e in events
        if e["action"] == "changed"
    ]
    person, admin = seed.asana_person_gid, seed.asana_user_gid
    assert changes == [
        (
            person,
            "custom_fields",
            {"gid": seed.autotask_field_gid, "resource_type": "custom_field"},
        ),
        (person, "custom_fields", {"gid": seed.repo_field_gid, "resource_type": "custom_field"}),
        (admin, "name", None),
        (admin, "completed", None),
    ]


async def test_the_autopilot_fixture_merges_and_passes_ci_with_no_delay(autopilot, github_client):
    repo = autopilot.seed.repo
    issue = await github_client.create_issue(repo, "Quick", "body")
    await github_client.comment(repo, issue.number, "/opencode implement")
    await autopilot.settle()
    (run,) = autopilot.github.world.repos[repo].runs.values()
    assert (run.status, run.conclusion, run.event) == ("completed", "success", "push")
