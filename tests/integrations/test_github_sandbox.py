"""How the GitHub sandbox sends webhooks and how its OpenCode agent simulator behaves."""

import json
from urllib.parse import parse_qs

from app.integrations.github.webhooks import parse_delivery
from app.sandbox.runner import GITHUB_APP_TOKEN, GITHUB_READER_TOKEN

SECRET = "hook-secret"
EVENTS = ["issues", "issue_comment", "pull_request", "workflow_run"]


async def hook_up(github_client, sandbox, receiver, events=EVENTS):
    await github_client.create_hook(sandbox.seed.repo, receiver.url("/github"), SECRET, events)
    await sandbox.settle()
    receiver.requests.clear()


def deliveries(receiver, event=None):
    parsed = [parse_delivery(r.headers, r.body, SECRET) for r in receiver.requests]
    return [d for d in parsed if event is None or d.event == event]


async def test_a_new_hook_is_pinged_with_signed_json(github_client, sandbox, webhook_receiver):
    hook = await github_client.create_hook(
        sandbox.seed.repo, webhook_receiver.url("/github"), SECRET, ["issues"]
    )
    await sandbox.settle()

    (ping,) = deliveries(webhook_receiver)
    assert ping.event == "ping" and ping.hook_id == str(hook.id)
    assert (
        ping.payload["hook_id"] == hook.id
        and ping.payload["repository"]["full_name"] == sandbox.seed.repo
    )
    assert webhook_receiver.requests[0].header("User-Agent").startswith("GitHub-Hookshot/")


async def test_a_hook_created_with_api_defaults_gets_form_encoded_push_only(
    sandbox, http_session, webhook_receiver
):
    url = f"{sandbox.github.base_url}/repos/{sandbox.seed.repo}/hooks"
    headers = {"Authorization": "Bearer github-sandbox-token", "User-Agent": "curl"}
    async with http_session.post(
        url, json={"config": {"url": webhook_receiver.url("/raw")}}, headers=headers
    ) as response:
        hook = await response.json()
    await sandbox.settle()

    assert hook["events"] == ["push"] and hook["config"]["content_type"] == "form"
    (ping,) = webhook_receiver.requests
    assert ping.header("Content-Type") == "application/x-www-form-urlencoded"
    assert json.loads(parse_qs(ping.body.decode())["payload"][0])["zen"]
    assert ping.header("X-Hub-Signature-256") is None  # no secret, no signature


async def test_issue_events_carry_the_delivery_headers(github_client, sandbox, webhook_receiver):
    await hook_up(github_client, sandbox, webhook_receiver)

    issue = await github_client.create_issue(sandbox.seed.repo, "Task", "body")
    await github_client.add_labels(sandbox.seed.repo, issue.number, ["autoflow"])
    await github_client.close_issue(sandbox.seed.repo, issue.number)
    await sandbox.settle()

    got = deliveries(webhook_receiver, "issues")
    assert [d.payload["action"] for d in got] == ["opened", "labeled", "closed"]
    assert got[2].payload["issue"]["state_reason"] == "not_planned"
    assert len({d.delivery_id for d in got}) == 3


async def test_a_redelivery_keeps_its_delivery_id(github_client, sandbox, webhook_receiver):
    await hook_up(github_client, sandbox, webhook_receiver)
    await github_client.create_issue(sandbox.seed.repo, "Task", "body")
    await sandbox.settle()
    (first,) = deliveries(webhook_receiver)

    sandbox.github.redeliver(first.delivery_id)
    await sandbox.settle()

    assert [d.delivery_id for d in deliveries(webhook_receiver)] == [first.delivery_id] * 2


async def test_a_failed_delivery_is_not_retried_by_github(github_client, sandbox, webhook_receiver):
    await hook_up(github_client, sandbox, webhook_receiver)
    webhook_receiver.fail_next = 1

    await github_client.create_issue(sandbox.seed.repo, "Task", "body")
    await sandbox.settle()

    assert len(webhook_receiver.requests) == 1
    hook = next(iter(sandbox.github.world.repos[sandbox.seed.repo].hooks.values()))
    assert hook.last_response["code"] == 500


async def test_the_agent_answers_an_opencode_comment_with_a_pr_that_closes_the_issue(
    github_client, sandbox, webhook_receiver
):
    repo = sandbox.seed.repo
    await hook_up(github_client, sandbox, webhook_receiver)
    issue = await github_client.create_issue(repo, "Add dark mode", "Spec")

    await github_client.comment(repo, issue.number, "/opencode implement")
    await sandbox.settle()

    (opened,) = deliveries(webhook_receiver, "pull_request")
    pull = opened.payload["pull_request"]
    assert opened.payload["action"] == "opened"
    assert pull["head"]["ref"].startswith(f"opencode/issue{issue.number}-")
    assert pull["body"].endswith(f"Closes #{issue.number}")
    assert pull["merged"] is False
    comments = [d.payload["comment"] for d in deliveries(webhook_receiver, "issue_comment")]
    assert [c["body"] for c in comments] == ["/opencode implement", f"Created PR #{pull['number']}"]
    assert comments[1]["user"]["type"] == "Bot"


async def test_the_agent_ignores_a_command_that_is_only_in_the_issue_body(github_client, sandbox):
    repo = sandbox.seed.repo
    issue = await github_client.create_issue(repo, "Task", "/opencode implement")
    await github_client.comment(repo, issue.number, "Looks good to me")
    await sandbox.settle()

    assert sandbox.github.world.repos[repo].pulls == {}


async def test_the_agent_refuses_comments_by_an_app_or_a_reader(
    sandbox, http_session, retry_policy
):
    repo = sandbox.seed.repo
    app_client = sandbox.github_client(http_session, token=GITHUB_APP_TOKEN, policy=retry_policy)
    reader = sandbox.github_client(http_session, token=GITHUB_READER_TOKEN, policy=retry_policy)
    issue = await app_client.create_issue(repo, "Task", "Spec")

    await app_client.comment(repo, issue.number, "/opencode implement")
    await reader.comment(repo, issue.number, "/oc implement")
    await sandbox.settle()

    assert sandbox.github.world.repos[repo].pulls == {}
    assert len(sandbox.github.agent.ignored) == 2


async def test_with_nothing_to_change_the_agent_only_comments(github_client, sandbox):
    repo = sandbox.seed.repo
    sandbox.github.agent.next_outcomes.append("no_changes")
    issue = await github_client.create_issue(repo, "Task", "Spec")

    await github_client.comment(repo, issue.number, "/opencode implement")
    await sandbox.settle()

    assert sandbox.github.world.repos[repo].pulls == {}
    assert len(sandbox.github.world.repos[repo].issues[issue.number].comments) == 2


async def test_the_full_flow_from_comment_to_merge_to_workflow_runs(
    github_client, sandbox, webhook_receiver
):
    repo = sandbox.seed.repo
    agent = sandbox.github.agent
    await hook_up(github_client, sandbox, webhook_receiver)
    issue = await github_client.create_issue(repo, "Add dark mode", "Spec")
    await github_client.comment(repo, issue.number, "/opencode implement")
    await sandbox.settle()
    pr_number = deliveries(webhook_receiver, "pull_request")[0].payload["number"]
    webhook_receiver.requests.clear()

    sha = agent.merge(repo, pr_number)
    ci, lint = agent.complete_runs(repo, sha, {"CI": "failure", "Lint": "success"})
    agent.rerun(repo, ci.id, "success")
    await sandbox.settle()

    (closed,) = deliveries(webhook_receiver, "pull_request")
    assert closed.payload["action"] == "closed"
    assert closed.payload["pull_request"]["merged"] is True
    assert closed.payload["pull_request"]["merge_commit_sha"] == sha
    (issue_closed,) = deliveries(webhook_receiver, "issues")
    assert issue_closed.payload["issue"]["state_reason"] == "completed"
    completed = [
        d.payload["workflow_run"]
        for d in deliveries(webhook_receiver, "workflow_run")
        if d.payload["action"] == "completed"
    ]
    assert [(r["name"], r["conclusion"], r["run_attempt"]) for r in completed] == [
        ("CI", "failure", 1),
        ("Lint", "success", 1),
        ("CI", "success", 2),
    ]
    assert completed[0]["id"] == completed[2]["id"]
    assert all(
        r["head_sha"] == sha and r["head_branch"] == "main" and r["event"] == "push"
        for r in completed
    )
    assert all(r["pull_requests"] == [] for r in completed)
    runs = await github_client.list_workflow_runs(repo, sha)
    assert sorted((r.name, r.conclusion, r.run_attempt) for r in runs) == [
        ("CI", "success", 2),
        ("Lint", "success", 1),
    ]


async def test_a_bare_issue_reference_does_not_close_the_issue(github_client, sandbox):
    repo = sandbox.seed.repo
    world = sandbox.github.world
    issue = await github_client.create_issue(repo, "Task", "Spec")
    pull = sandbox.github.agent.open_pull(
        world.repos[repo],
        "feature",
        "Feature",
        f"See #{issue.number}",
        world.accounts["sandbox-admin"],
    )

    sandbox.github.agent.merge(repo, pull.number)

    assert (await github_client.get_issue(repo, issue.number)).state == "open"


async def test_delivery_faults_apply_to_github_too(github_client, sandbox, webhook_receiver):
    await hook_up(github_client, sandbox, webhook_receiver, ["issues"])
    sandbox.github.faults.duplicate_deliveries = 1

    await github_client.create_issue(sandbox.seed.repo, "Task", "body")
    await sandbox.settle()

    first, second = deliveries(webhook_receiver)
    assert first.delivery_id == second.delivery_id
