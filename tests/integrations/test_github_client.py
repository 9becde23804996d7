"""The GitHub client against the GitHub sandbox, over real HTTP."""

import pytest

from app.integrations.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from app.integrations.github.client import GitHubClient
from app.integrations.http import RetryPolicy
from app.sandbox.runner import GITHUB_READER_TOKEN

MARKER = "<!-- autoflow:task:1208 -->"


async def test_it_reads_a_repository(github_client, sandbox):
    repo = await github_client.get_repository(sandbox.seed.repo)

    assert repo.full_name == sandbox.seed.repo
    assert repo.default_branch == "main"


async def test_it_creates_an_issue_and_comments_on_it(github_client, sandbox):
    issue = await github_client.create_issue(
        sandbox.seed.repo, "Add dark mode", f"Spec\n\n{MARKER}"
    )
    comment = await github_client.comment(sandbox.seed.repo, issue.number, "/opencode implement")

    assert issue.number == 1 and issue.state == "open" and MARKER in issue.body
    assert comment.body == "/opencode implement" and comment.author == sandbox.seed.github_admin
    assert (await github_client.get_issue(sandbox.seed.repo, issue.number)).title == "Add dark mode"


async def test_an_issue_without_a_title_fails_validation_with_githubs_detail(
    github_client, sandbox
):
    with pytest.raises(ValidationFailed) as caught:
        await github_client.create_issue(sandbox.seed.repo, "", "body")

    assert "Validation Failed" in caught.value.message and "missing_field" in caught.value.message


async def test_it_adds_labels_creating_missing_ones_with_our_colour(github_client, sandbox):
    repo = sandbox.seed.repo
    issue = await github_client.create_issue(repo, "Task", "body")

    labels = await github_client.add_labels(
        repo, issue.number, ["autoflow", "autoflow:queued"], color="1d76db"
    )
    again = await github_client.add_labels(repo, issue.number, ["autoflow"])

    assert labels == ("autoflow", "autoflow:queued")
    assert again == ("autoflow", "autoflow:queued")
    stored = sandbox.github.world.repos[repo].labels
    assert stored["autoflow:queued"].color == "1d76db"


async def test_it_removes_a_label_and_tolerates_one_already_gone(github_client, sandbox):
    repo = sandbox.seed.repo
    issue = await github_client.create_issue(repo, "Task", "body")
    await github_client.add_labels(repo, issue.number, ["autoflow:queued"])

    await github_client.remove_label(repo, issue.number, "autoflow:queued")
    await github_client.remove_label(repo, issue.number, "autoflow:queued")

    assert (await github_client.get_issue(repo, issue.number)).labels == ()


async def test_removing_a_label_from_a_missing_issue_is_not_found(github_client, sandbox):
    with pytest.raises(NotFound):
        await github_client.remove_label(sandbox.seed.repo, 99, "autoflow")


async def test_it_closes_as_not_planned_and_reopens(github_client, sandbox):
    repo = sandbox.seed.repo
    issue = await github_client.create_issue(repo, "Task", "body")

    closed = await github_client.close_issue(repo, issue.number)
    reopened = await github_client.reopen_issue(repo, issue.number)

    assert (closed.state, closed.state_reason) == ("closed", "not_planned")
    assert (reopened.state, reopened.state_reason) == ("open", "reopened")


async def test_it_reads_a_pull_request_and_trusts_merge_commit_sha_only_once_merged(
    github_client, sandbox
):
    repo = sandbox.seed.repo
    world = sandbox.github.world
    pull = sandbox.github.agent.open_pull(
        world.repos[repo], "feature", "Feature", "Fixes #9", world.accounts["sandbox-admin"]
    )

    before = await github_client.get_pull_request(repo, pull.number)
    sha = sandbox.github.agent.merge(repo, pull.number)
    after = await github_client.get_pull_request(repo, pull.number)

    assert before.merged is False and before.merge_commit_sha is None  # GitHub sends a test merge
    assert before.head_ref == "feature" and before.base_ref == "main"
    assert after.merged is True and after.merge_commit_sha == sha


async def test_it_lists_workflow_runs_for_a_commit_across_pages(github_client, sandbox):
    repo = sandbox.seed.repo
    agent = sandbox.github.agent
    sha = "a" * 40
    agent.complete_runs(repo, sha, {f"wf{i}": "success" for i in range(120)})
    agent.complete_runs(repo, "b" * 40, {"CI": "failure"})

    runs = await github_client.list_workflow_runs(repo, sha)

    assert len(runs) == 120
    assert {r.head_sha for r in runs} == {sha}
    assert all(r.status == "completed" and r.conclusion == "success" for r in runs)


async def test_it_finds_an_issue_by_its_hidden_marker(github_client, sandbox):
    repo = sandbox.seed.repo
    await github_client.create_issue(repo, "Other", "no marker here")
    wanted = await github_client.create_issue(repo, "Task", f"Spec\n\n{MARKER}")

    found = await github_client.search_issues_by_marker(repo, MARKER)

    assert [i.number for i in found] == [wanted.number]


async def test_it_creates_lists_and_pings_hooks_with_json_and_explicit_events(
    github_client, sandbox, webhook_receiver
):
    repo = sandbox.seed.repo

    hook = await github_client.create_hook(
        repo, webhook_receiver.url("/github"), "s3cret", ["issues", "issue_comment"]
    )
    await github_client.ping_hook(repo, hook.id)
    hooks = await github_client.list_hooks(repo)
    await sandbox.settle()

    assert (hook.content_type, hook.events) == ("json", ("issues", "issue_comment"))
    assert [h.id for h in hooks] == [hook.id]
    pings = [r for r in webhook_receiver.requests if r.header("X-GitHub-Event") == "ping"]
    assert len(pings) == 2  # one on creation, one asked for


async def test_hooks_are_invisible_without_admin_rights(sandbox, http_session, retry_policy):
    reader = sandbox.github_client(http_session, token=GITHUB_READER_TOKEN, policy=retry_policy)

    with pytest.raises(NotFound):
        await reader.list_hooks(sandbox.seed.repo)


async def test_a_reader_may_not_close_an_issue(github_client, sandbox, http_session, retry_policy):
    issue = await github_client.create_issue(sandbox.seed.repo, "Task", "body")
    reader = sandbox.github_client(http_session, token=GITHUB_READER_TOKEN, policy=retry_policy)

    with pytest.raises(PermissionDenied):
        await reader.close_issue(sandbox.seed.repo, issue.number)


async def test_bad_credentials_raise_authentication_failed_without_the_token(
    sandbox, http_session, retry_policy, caplog
):
    client = GitHubClient(
        http_session, "ghp_secretvalue", base_url=sandbox.github.base_url, policy=retry_policy
    )

    with pytest.raises(AuthenticationFailed) as caught:
        await client.get_repository(sandbox.seed.repo)

    assert "ghp_secretvalue" not in str(caught.value) and "ghp_secretvalue" not in caplog.text


async def test_a_missing_repository_is_not_found(github_client):
    with pytest.raises(NotFound):
        await github_client.get_repository("sandbox-org/nope")


async def test_a_secondary_rate_limit_is_waited_out_as_retry_after_says(
    github_client, sandbox, recorded_sleeps
):
    sandbox.github.faults.rate_limit_next(1, retry_after=42)

    await github_client.get_repository(sandbox.seed.repo)

    assert recorded_sleeps.waits == [42]


async def test_a_primary_rate_limit_waits_for_the_reset_time(
    github_client, sandbox, recorded_sleeps
):
    sandbox.github.faults.rate_limit_next(1, retry_after=30, primary=True)

    await github_client.get_repository(sandbox.seed.repo)

    assert len(recorded_sleeps.waits) == 1 and 20 < recorded_sleeps.waits[0] <= 32


async def test_a_long_rate_limit_is_raised_as_rate_limited(sandbox, http_session, recorded_sleeps):
    client = sandbox.github_client(
        http_session, policy=RetryPolicy(max_wait_seconds=10, sleep=recorded_sleeps)
    )
    sandbox.github.faults.rate_limit_next(1, retry_after=600)

    with pytest.raises(RateLimited) as caught:
        await client.get_repository(sandbox.seed.repo)

    assert caught.value.retry_after == 600 and caught.value.retryable


async def test_server_errors_are_retried_then_given_up(github_client, sandbox, recorded_sleeps):
    sandbox.github.faults.fail_next(5, status=502)

    with pytest.raises(TransientError):
        await github_client.get_repository(sandbox.seed.repo)

    assert recorded_sleeps.waits == [1.0, 2.0]


async def test_a_create_issue_that_hit_a_5xx_is_not_repeated(github_client, sandbox):
    sandbox.github.faults.fail_next(1, status=502, method="POST")

    with pytest.raises(TransientError):
        await github_client.create_issue(sandbox.seed.repo, "Task", MARKER)

    assert sandbox.github.world.repos[sandbox.seed.repo].issues == {}


async def test_requests_without_a_user_agent_are_refused(sandbox, http_session):
    async with http_session.get(
        f"{sandbox.github.base_url}/repos/{sandbox.seed.repo}",
        headers={"User-Agent": ""},
        skip_auto_headers=["User-Agent"],
    ) as response:
        assert response.status == 403


async def test_it_lists_recent_issues_by_their_creator_the_moment_they_exist(
    github_client, sandbox, http_session, retry_policy
):
    marker = "<!-- autoflow:task:77 -->"
    ours = await github_client.create_issue(sandbox.seed.repo, "Ours", f"Body\n{marker}")
    reader = sandbox.github_client(http_session, token=GITHUB_READER_TOKEN, policy=retry_policy)
    await reader.create_issue(sandbox.seed.repo, "Someone else's", f"Copied\n{marker}")
    me = await github_client.get_authenticated_user()

    mine = await github_client.list_issues(sandbox.seed.repo, creator=me.login, state="all")

    assert [issue.number for issue in mine if marker in issue.body] == [ours.number]


async def test_it_lists_an_issues_comments(github_client, sandbox):
    issue = await github_client.create_issue(sandbox.seed.repo, "Talk", "About it")
    await github_client.comment(sandbox.seed.repo, issue.number, "first <!-- autoflow:effect:k -->")
    await github_client.comment(sandbox.seed.repo, issue.number, "second")
    comments = await github_client.list_comments(sandbox.seed.repo, issue.number)
    assert [c.body for c in comments] == ["first <!-- autoflow:effect:k -->", "second"]
