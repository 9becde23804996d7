"""Turning what the shell knows into the core's typed facts.

`advance_task` receives a fact envelope (plain JSON, as a job argument): a GitHub delivery's
safe summary, "this Asana task changed", an effect's result, or a re-read's answer. The
functions here build `app.pipeline.facts` records from those and from the clients' models. They
do no I/O: whatever must be read from a service is read before, by `app/jobs/reads.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.integrations.github.models import PullRequest, WorkflowRun
from app.pipeline.facts import (
    EffectDone,
    EffectFailed,
    Fact,
    IssueCommentFact,
    IssueCreated,
    IssueFact,
    PullRequestFact,
    UserAction,
    UserActionKind,
    WorkflowRunFact,
)
from app.pipeline.links import ClosingRef, pull_request_references


def _delivery(envelope: dict[str, Any]) -> str | None:
    delivery = envelope.get("delivery")
    return str(delivery) if delivery is not None else None


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def issue_fact(envelope: dict[str, Any]) -> IssueFact:
    s = envelope["summary"]
    return IssueFact(
        action=envelope.get("action") or "",
        repo=s["repo"],
        number=s["issue"],
        state=s.get("issue_state") or "open",
        state_reason=s.get("state_reason"),
        labels=tuple(s.get("labels") or ()),
        url=s.get("issue_url") or "",
        marker_task_id=s.get("marker_task"),
        sender=s.get("sender") or "",
        delivery_id=_delivery(envelope),
    )


def issue_comment_fact(envelope: dict[str, Any]) -> IssueCommentFact:
    s = envelope["summary"]
    return IssueCommentFact(
        action=envelope.get("action") or "",
        repo=s["repo"],
        issue_number=s["issue"],
        comment_id=s.get("comment_id") or 0,
        author=s.get("comment_author") or s.get("sender") or "",
        url=s.get("comment_url") or "",
        created_pr_number=s.get("created_pr"),
        delivery_id=_delivery(envelope),
    )


def pull_request_fact(envelope: dict[str, Any]) -> PullRequestFact:
    s = envelope["summary"]
    merged = bool(s.get("merged"))
    return PullRequestFact(
        action=envelope.get("action") or "",
        repo=s["repo"],
        number=s["pull_request"],
        url=s.get("pr_url") or "",
        state=s.get("pr_state") or "open",
        merged=merged,
        # GitHub fills it with a test merge before the PR is merged: only trust it after.
        merge_commit_sha=s.get("merge_commit_sha") if merged else None,
        merged_at=_time(s.get("merged_at")),
        head_sha=s.get("head_sha") or "",
        head_repo=s.get("head_repo") or "",
        author=s.get("author") or "",
        closing_refs=tuple(
            ClosingRef(ref["keyword"], ref["repo"], ref["number"]) for ref in s.get("closes") or ()
        ),
        delivery_id=_delivery(envelope),
    )


def workflow_run_fact(envelope: dict[str, Any]) -> WorkflowRunFact:
    s = envelope["summary"]
    return WorkflowRunFact(
        repo=s["repo"],
        run_id=s["run_id"],
        workflow_id=s.get("workflow_id") or 0,
        head_sha=s["head_sha"],
        status=s.get("run_status") or "",
        conclusion=s.get("conclusion"),
        run_attempt=s.get("run_attempt") or 1,
        run_number=s.get("run_number") or 0,
        name=s.get("workflow") or "",
        event=s.get("trigger") or "",
        url=s.get("run_url") or "",
        pull_requests=tuple(s.get("pull_requests") or ()),
        delivery_id=_delivery(envelope),
    )


GITHUB_FACTS = {
    "github.issues": issue_fact,
    "github.issue_comment": issue_comment_fact,
    "github.pull_request": pull_request_fact,
    "github.workflow_run": workflow_run_fact,
}


def result_fact(envelope: dict[str, Any]) -> Fact:
    """An effect's outcome, as recorded in the outbox, fed back to the core."""
    key, kind = envelope["key"], envelope["effect_kind"]
    if envelope["kind"] == "effect.failed":
        return EffectFailed(key, kind, envelope["reason"], bool(envelope.get("permanent")))
    result = envelope.get("result") or {}
    if kind == "create_issue":
        return IssueCreated(key, result["repo"], result["number"], result.get("url", ""))
    return EffectDone(key, kind, result)


def user_action_fact(envelope: dict[str, Any]) -> UserAction:
    """A button on the task page or an API call, queued by `app/services/task_actions.py`."""
    action = envelope["action"]
    return UserAction(
        kind=UserActionKind(action["kind"]),
        action_id=action["action_id"],
        by=action.get("by") or "",
        via=action.get("via") or "user",
        repo=action.get("repo"),
        pr_number=action.get("pr_number"),
        text=action.get("text"),
    )


def reread_pull_request_fact(repo: str, pull: PullRequest) -> PullRequestFact:
    return PullRequestFact(
        action="reread",
        repo=repo,
        number=pull.number,
        url=pull.html_url,
        state=pull.state,
        merged=pull.merged,
        merge_commit_sha=pull.merge_commit_sha,
        head_sha=pull.head_sha,
        closing_refs=pull_request_references(pull.title, pull.body, repo),
    )


def reread_workflow_run_fact(repo: str, run: WorkflowRun) -> WorkflowRunFact:
    return WorkflowRunFact(
        repo=repo,
        run_id=run.id,
        workflow_id=run.workflow_id,
        head_sha=run.head_sha,
        status=run.status,
        conclusion=run.conclusion,
        run_attempt=run.run_attempt,
        name=run.name,
        event=run.event,
        url=run.html_url,
    )
