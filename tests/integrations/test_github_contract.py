"""The GitHub sandbox answers and sends what GitHub's OpenAPI description says GitHub answers
and sends: every REST route and every webhook event kind, validated with githubkit's generated
models (REST API 2022-11-28 and its webhook models).

A route added to `GitHubSandbox.api_routes()` without an entry in RESPONSES, or never exercised
by the walk below, fails `test_every_route_answers_in_github_shapes`; an event kind the sandbox
sends that is not in `EVENT_KINDS`, or one listed and never seen, fails the webhook test. Bodies
are validated in strict mode, and a field the schema does not declare fails too (the generated
models would ignore it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from githubkit_schemas.v2022_11_28 import models as gh
from githubkit_schemas.v2022_11_28.webhooks import webhook_event_types
from pydantic import TypeAdapter, ValidationError

from app.sandbox.github_events import EVENT_KINDS
from app.sandbox.runner import GITHUB_TOKEN
from tests.support.contract import RecordingApi, undeclared_fields

REPO = "/repos/{owner}/{repo}"
ISSUE = f"{REPO}/issues/{{number}}"
PULL = f"{REPO}/pulls/{{number}}"
RUN = f"{REPO}/actions/runs/{{run_id}}"
HOOK = f"{REPO}/hooks/{{hook_id}}"
NO_BODY = None

# (method, route) -> the schema of a 2xx body, from GitHub's description of that operation.
RESPONSES: dict[tuple[str, str], Any] = {
    ("GET", "/user"): gh.PrivateUser,
    ("GET", "/rate_limit"): gh.RateLimitOverview,
    ("GET", REPO): gh.FullRepository,
    ("GET", f"{REPO}/issues"): list[gh.Issue],
    ("POST", f"{REPO}/issues"): gh.Issue,
    ("GET", ISSUE): gh.Issue,
    ("PATCH", ISSUE): gh.Issue,
    ("GET", f"{ISSUE}/comments"): list[gh.IssueComment],
    ("POST", f"{ISSUE}/comments"): gh.IssueComment,
    ("POST", f"{ISSUE}/labels"): list[gh.Label],
    ("DELETE", f"{ISSUE}/labels/{{name}}"): list[gh.Label],
    ("GET", f"{REPO}/labels/{{name}}"): gh.Label,
    ("POST", f"{REPO}/labels"): gh.Label,
    ("GET", f"{REPO}/pulls"): list[gh.PullRequestSimple],
    ("GET", PULL): gh.PullRequest,
    ("GET", f"{PULL}/commits"): list[gh.Commit],
    ("GET", f"{PULL}/files"): list[gh.DiffEntry],
    ("PUT", f"{PULL}/merge"): gh.PullRequestMergeResult,
    ("GET", f"{REPO}/commits/{{ref}}"): gh.Commit,
    ("GET", f"{REPO}/actions/runs"): gh.ReposOwnerRepoActionsRunsGetResponse200,
    ("GET", RUN): gh.WorkflowRun,
    ("POST", f"{RUN}/rerun"): gh.EmptyObject,
    ("POST", f"{RUN}/rerun-failed-jobs"): gh.EmptyObject,
    ("GET", f"{REPO}/hooks"): list[gh.Hook],
    ("POST", f"{REPO}/hooks"): gh.Hook,
    ("GET", HOOK): gh.Hook,
    ("PATCH", HOOK): gh.Hook,
    ("DELETE", HOOK): NO_BODY,
    ("POST", f"{HOOK}/pings"): NO_BODY,
    ("GET", f"{HOOK}/deliveries"): list[gh.HookDeliveryItem],
    ("GET", f"{HOOK}/deliveries/{{delivery_id}}"): gh.HookDelivery,
    # Documented as 202 with an empty object ("Accepted").
    ("POST", f"{HOOK}/deliveries/{{delivery_id}}/attempts"): dict[str, Any],
    ("GET", "/search/issues"): gh.SearchIssuesGetResponse200,
}


# GitHub sends these in every webhook payload, as in its REST answers, but the webhook models
# of some events (workflow_run in_progress) do not list them yet.
WEBHOOK_EXTRAS = {"user_view_type", "display_title"}


def validate(schema: Any, body: bytes) -> list[str]:
    """Validate strictly; returns the fields the body has that the schema does not declare."""
    model = TypeAdapter(schema).validate_json(body, strict=True)
    return undeclared_fields(model, json.loads(body)) if body else []


@pytest.fixture
def api(sandbox, http_session) -> RecordingApi:
    routes = [(method, path) for method, path, _ in sandbox.github.api_routes()]
    headers = {"Authorization": f"Bearer {GITHUB_TOKEN}", "User-Agent": "contract-test"}
    return RecordingApi(http_session, sandbox.github.base_url, routes, headers)


async def walk_every_route(api: RecordingApi, sandbox, receiver) -> None:
    """Use each route of the sandbox at least once, the way a client of GitHub would."""
    repo = f"/repos/{sandbox.seed.repo}"
    await api.ok("GET", "/user")
    await api.ok("GET", "/rate_limit")
    await api.ok("GET", repo)
    hook = await api.ok(
        "POST",
        f"{repo}/hooks",
        json_body={
            "config": {"url": receiver.url("/github"), "content_type": "json", "secret": "s"},
            "events": ["*"],
        },
    )
    hook_path = f"{repo}/hooks/{hook['id']}"
    await api.ok("GET", f"{repo}/hooks")
    await api.ok("GET", hook_path)
    await api.ok("PATCH", hook_path, json_body={"add_events": ["push"]})
    await api.ok("POST", f"{hook_path}/pings")
    await api.ok("POST", f"{repo}/labels", json_body={"name": "autoflow:paused", "color": "c0ffee"})
    await api.ok("GET", f"{repo}/labels/autoflow:paused")
    issue = await api.ok(
        "POST", f"{repo}/issues", json_body={"title": "Add a feature", "body": "Please"}
    )
    number = issue["number"]
    await api.ok("GET", f"{repo}/issues/{number}")
    await api.ok("PATCH", f"{repo}/issues/{number}", json_body={"title": "Add the feature"})
    await api.ok("POST", f"{repo}/issues/{number}/labels", json_body={"labels": ["bug"]})
    await api.ok("DELETE", f"{repo}/issues/{number}/labels/bug")
    await api.ok("POST", f"{repo}/issues/{number}/comments", json_body={"body": "/opencode go"})
    await sandbox.settle()  # the agent answers with a pull request
    await api.ok("GET", f"{repo}/issues/{number}/comments")
    await api.ok("GET", f"{repo}/issues", params={"state": "all", "per_page": "1"})
    (pull,) = await api.ok("GET", f"{repo}/pulls", params={"state": "open"})
    await api.ok("GET", f"{repo}/issues/{pull['number']}")  # a pull request as an issue
    await api.ok("POST", f"{repo}/issues/{pull['number']}/comments", json_body={"body": "LGTM"})
    pull_path = f"{repo}/pulls/{pull['number']}"
    await api.ok("GET", pull_path)
    await api.ok("GET", f"{pull_path}/commits")
    await api.ok("GET", f"{pull_path}/files")
    await api.ok("GET", f"{repo}/commits/{pull['head']['sha']}")
    merged = await api.ok("PUT", f"{pull_path}/merge", json_body={"merge_method": "merge"})
    await api.ok("GET", pull_path)  # merged
    await api.ok("GET", f"{repo}/commits/main")
    await api.ok("PATCH", f"{repo}/issues/{number}", json_body={"state": "open"})
    await api.ok(
        "PATCH",
        f"{repo}/issues/{number}",
        json_body={"state": "closed", "state_reason": "completed"},
    )
    await api.ok("GET", "/search/issues", params={"q": f'repo:{sandbox.seed.repo} "feature"'})
    sandbox.github.agent.complete_runs(
        sandbox.seed.repo, merged["sha"], {"CI": "failure", "Lint": "success"}
    )
    runs = await api.ok(
        "GET",
        f"{repo}/actions/runs",
        params={"head_sha": merged["sha"], "event": "push", "status": "completed"},
    )
    failed = next(r for r in runs["workflow_runs"] if r["conclusion"] == "failure")
    run_path = f"{repo}/actions/runs/{failed['id']}"
    await api.ok("GET", run_path)
    await api.ok("POST", f"{run_path}/rerun-failed-jobs")
    sandbox.github.activity.complete_run(
        sandbox.github.activity.repo(sandbox.seed.repo),
        sandbox.github.world.repos[sandbox.seed.repo].runs[failed["id"]],
        "success",
    )
    await api.ok("POST", f"{run_path}/rerun")
    await sandbox.settle()
    deliveries = await api.ok("GET", f"{hook_path}/deliveries", params={"per_page": "100"})
    await api.ok("GET", f"{hook_path}/deliveries/{deliveries[0]['id']}")
    await api.ok("POST", f"{hook_path}/deliveries/{deliveries[0]['id']}/attempts")
    await sandbox.settle()
    await api.ok("DELETE", hook_path)


async def test_every_route_answers_in_github_shapes(api, sandbox, webhook_receiver):
    await walk_every_route(api, sandbox, webhook_receiver)
    # And the errors a client branches on.
    repo = f"/repos/{sandbox.seed.repo}"
    await api.call("GET", f"{repo}/issues/999")
    await api.call("POST", f"{repo}/issues", json_body={"body": "no title"})
    await api.call("GET", f"{repo}/issues", params={"state": "bogus"})

    served = {(method, route) for method, route, _ in sandbox.github.api_routes()}
    assert served == set(RESPONSES), "every route needs its published response schema"
    answered = {(e.method, e.route) for e in api.exchanges if 200 <= e.status < 300}
    assert served <= answered, f"routes never exercised: {sorted(served - answered)}"
    problems = []
    for exchange in api.exchanges:
        try:
            if exchange.status == 422:
                validate(gh.ValidationError, exchange.body)
            elif exchange.status >= 400:
                validate(gh.BasicError, exchange.body)
            elif RESPONSES[(exchange.method, exchange.route)] is NO_BODY:
                assert exchange.body == b"", exchange.body
            else:
                undeclared = validate(RESPONSES[(exchange.method, exchange.route)], exchange.body)
                problems += [
                    f"{exchange.method} {exchange.route}: {u} undeclared" for u in undeclared
                ]
        except ValidationError as error:
            problems.append(f"{exchange.method} {exchange.route}: {error}")
    assert not problems, "\n".join(problems)


async def test_every_webhook_event_kind_matches_githubs_payload_schema(
    api, sandbox, webhook_receiver
):
    await walk_every_route(api, sandbox, webhook_receiver)

    sent = sandbox.github.events.payloads
    kinds = {(event, document.get("action")) for event, document in sent}
    assert kinds == set(EVENT_KINDS), "EVENT_KINDS lists what the sandbox can send"
    problems = []
    for event, document in sent:
        try:
            adapter = TypeAdapter(webhook_event_types[event])
            model = adapter.validate_json(json.dumps(document), strict=True)
            problems += [
                f"{event} {document.get('action')}: {u} undeclared"
                for u in undeclared_fields(model, document)
                if u.rsplit(".", 1)[-1] not in WEBHOOK_EXTRAS
            ]
        except ValidationError as error:
            problems.append(f"{event} {document.get('action')}: {error}")
    assert not problems, "\n".join(problems)


async def test_a_conditional_get_answers_304_and_is_not_counted(api, sandbox):
    path = f"/repos/{sandbox.seed.repo}/issues"
    first = await api.call("GET", path)
    etag = first.headers["ETag"]
    again = await api.call("GET", path, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.headers["X-RateLimit-Used"] == first.headers["X-RateLimit-Used"]
    await api.ok("POST", path, json_body={"title": "Changes the list"})
    changed = await api.call("GET", path, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
