"""GitHub JSON (webhook payloads and REST reads) into facts."""

from __future__ import annotations

from datetime import UTC, datetime

from app.pipeline.facts import IssueCommentFact, IssueFact, PullRequestFact, WorkflowRunFact
from app.pipeline.github_facts import from_webhook, pull_request_fact
from app.pipeline.links import ClosingRef

REPOSITORY = {"full_name": "acme/web"}


def pr_record(**changes):
    record = {
        "number": 40,
        "html_url": "https://github.com/acme/web/pull/40",
        "state": "closed",
        "title": "Add a login page",
        "body": "Implements it.\n\nCloses #12",
        "merged": True,
        "merged_at": "2026-11-25T09:00:00Z",
        "merge_commit_sha": "a" * 40,
        "head": {"sha": "b" * 40, "repo": {"full_name": "acme/web"}},
        "base": {"sha": "c" * 40, "repo": {"full_name": "acme/web"}},
        "user": {"login": "opencode-agent[bot]"},
    }
    return {**record, **changes}


def test_a_merged_pull_request_event_becomes_a_fact_with_parsed_references():
    fact = from_webhook(
        "pull_request",
        {"action": "closed", "pull_request": pr_record(), "repository": REPOSITORY},
        "d1",
    )
    assert isinstance(fact, PullRequestFact)
    assert (fact.action, fact.repo, fact.number, fact.merged) == ("closed", "acme/web", 40, True)
    assert fact.merge_commit_sha == "a" * 40
    assert fact.merged_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert fact.closing_refs == (ClosingRef("Closes", "acme/web", 12),)
    assert fact.delivery_id == "d1" and fact.author == "opencode-agent[bot]"
    assert not hasattr(fact, "body")


def test_an_unmerged_prs_test_merge_commit_is_not_taken_for_the_merge():
    fact = pull_request_fact(pr_record(merged=False, merged_at=None, state="open"))
    assert fact.merged is False and fact.merge_commit_sha is None


def test_a_pr_from_a_fork_belongs_to_its_base_repository():
    fact = pull_request_fact(pr_record(head={"sha": "b" * 40, "repo": {"full_name": "eve/web"}}))
    assert fact.repo == "acme/web" and fact.head_repo == "eve/web"


def test_an_issue_event_carries_the_marker_task_id():
    issue = {
        "number": 12,
        "state": "open",
        "html_url": "https://github.com/acme/web/issues/12",
        "body": "spec\n<!-- autoflow:task:7 -->\n",
        "labels": [{"name": "autoflow:paused"}],
    }
    payload = {
        "action": "opened",
        "issue": issue,
        "repository": REPOSITORY,
        "sender": {"login": "bot"},
    }
    fact = from_webhook("issues", payload)
    assert isinstance(fact, IssueFact)
    assert (fact.marker_task_id, fact.labels, fact.sender) == (7, ("autoflow:paused",), "bot")


def test_the_agents_created_pr_comment_is_recognised():
    payload = {
        "action": "created",
        "issue": {"number": 12},
        "comment": {"id": 5, "body": "Created PR #40", "user": {"login": "opencode-agent[bot]"}},
        "repository": REPOSITORY,
    }
    fact = from_webhook("issue_comment", payload)
    assert isinstance(fact, IssueCommentFact) and fact.created_pr_number == 40


def test_a_comment_on_a_pull_request_is_not_an_issue_fact():
    payload = {
        "action": "created",
        "issue": {"number": 40, "pull_request": {"url": "x"}},
        "comment": {"id": 5, "body": "Created PR #40"},
        "repository": REPOSITORY,
    }
    assert from_webhook("issue_comment", payload) is None


def test_a_workflow_run_event_becomes_a_fact():
    run = {
        "id": 1001,
        "workflow_id": 3,
        "name": "CI",
        "head_sha": "a" * 40,
        "status": "completed",
        "conclusion": "success",
        "run_attempt": 2,
        "run_number": 9,
        "event": "push",
        "html_url": "https://github.com/acme/web/actions/runs/1001",
        "pull_requests": [],
    }
    fact = from_webhook(
        "workflow_run", {"action": "completed", "workflow_run": run, "repository": REPOSITORY}
    )
    assert isinstance(fact, WorkflowRunFact)
    assert (fact.run_id, fact.workflow_id, fact.run_attempt, fact.conclusion) == (
        1001,
        3,
        2,
        "success",
    )


def test_other_events_give_no_fact():
    assert from_webhook("push", {"repository": REPOSITORY}) is None
