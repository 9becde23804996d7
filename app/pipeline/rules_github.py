"""Rules 2, 4 and 5 on the GitHub side: the issue, its comments, linked pull requests (strict
closing references; the task follows the PR that merges) and workflow runs on the merge
commit (runs that arrive before the merge are kept and joined)."""

from __future__ import annotations

from app.pipeline.draft import Draft
from app.pipeline.effects import RereadPullRequest, RereadWorkflowRuns
from app.pipeline.events import EventType, Source
from app.pipeline.facts import (
    IssueCommentFact,
    IssueCreated,
    IssueFact,
    PullRequestFact,
    WorkflowRunFact,
)
from app.pipeline.judge import latest_runs
from app.pipeline.links import closes_issue
from app.pipeline.state import CiRun, LinkedPr, TaskState

# Runs kept per task (latest attempt per workflow and commit): plenty for a PR's pushes.
MAX_CI_RUNS = 60


def _ours(state: TaskState, repo: str) -> bool:
    return state.repo is not None and repo.lower() == state.repo.lower()


def _received(draft: Draft, delivery_id: str | None) -> None:
    if delivery_id:
        draft.event(EventType.GITHUB_WEBHOOK_RECEIVED, delivery_id=delivery_id)


# -- the issue -----------------------------------------------------------------------------


def on_issue_created(draft: Draft, fact: IssueCreated) -> None:
    """The issue exists: remember it once. A second, different number is reported, never
    adopted (the create key makes that impossible unless something else went wrong)."""
    state = draft.state
    if state.issue_number == fact.number:
        return
    if state.issue_number is not None:
        draft.event(
            EventType.ERROR,
            Source.SYSTEM,
            reason=f"another issue #{fact.number} reported; the task keeps #{state.issue_number}",
            key=fact.key,
        )
        return
    draft.update(
        issue_number=fact.number,
        issue_url=fact.url,
        issue_state="open",
        issue_requested=True,
        repo=state.repo or fact.repo,
        repo_reason="",
    )
    draft.event(
        EventType.GITHUB_ISSUE_CREATED,
        Source.SYSTEM,
        number=fact.number,
        url=fact.url,
        repo=fact.repo,
    )


def on_issue(draft: Draft, fact: IssueFact) -> None:
    state = draft.state
    _received(draft, fact.delivery_id)
    if (
        state.issue_number is None
        and fact.marker_task_id == state.task_id
        and (state.repo is None or _ours(state, fact.repo))
    ):
        # Our issue, seen before its create was recorded (a crash in between): adopt it.
        key = draft.key("create_issue")
        on_issue_created(draft, IssueCreated(key, fact.repo, fact.number, fact.url))
        draft.update(planned=tuple(sorted({*draft.state.planned, key})))
    state = draft.state
    if not _ours(state, fact.repo) or fact.number != state.issue_number:
        return
    if fact.action == "closed" and state.issue_state != "closed":
        draft.update(issue_state="closed")
        draft.event(
            EventType.GITHUB_ISSUE_CLOSED,
            number=fact.number,
            state_reason=fact.state_reason,
            by=fact.sender,
        )
    elif fact.action == "reopened" and state.issue_state != "open":
        draft.update(issue_state="open")
        draft.event(EventType.GITHUB_ISSUE_REOPENED, number=fact.number, by=fact.sender)


def on_issue_comment(draft: Draft, fact: IssueCommentFact) -> None:
    """The agent answers "Created PR #N": read that PR, in case its own event was missed."""
    state = draft.state
    _received(draft, fact.delivery_id)
    if not _ours(state, fact.repo) or fact.issue_number != state.issue_number:
        return
    number = fact.created_pr_number
    if number is not None and state.linked(number) is None:
        draft.plan(
            RereadPullRequest(
                draft.key("reread_pr", number, "comment", fact.comment_id), fact.repo, number
            ),
            why=f"the agent reported PR #{number}",
        )


# -- pull requests -------------------------------------------------------------------------


def _next_pr_state(existing: LinkedPr | None, fact: PullRequestFact) -> str:
    """The PR's state after this fact. Merged is final; a closed PR reopens only on
    "reopened" or a fresh read, so a late "opened" or "edited" cannot undo a close."""
    if fact.merged:
        return "merged"
    if existing is not None and existing.state == "merged":
        return "merged"
    if fact.action == "closed" or fact.state == "closed":
        return "closed"
    if fact.action in ("reopened", "reread"):
        return "open"
    if existing is not None and existing.state in ("closed", "unlinked"):
        return existing.state
    return "open"


def on_pull_request(draft: Draft, fact: PullRequestFact) -> None:
    state = draft.state
    if state.issue_number is None or state.repo is None:
        return
    forced = fact.number in state.forced_prs
    refers = closes_issue(fact.closing_refs, fact.repo, state.repo, state.issue_number)
    existing = state.linked(fact.number)
    if not (refers or forced or existing):
        return  # not ours: a PR in another repo, a bare #N, a quoted reference, ...
    _received(draft, fact.delivery_id)
    new_state = _next_pr_state(existing, fact)
    if existing is not None and not refers and not forced and fact.action == "edited":
        if new_state == "open":
            new_state = "unlinked"  # the closing reference was edited away
    merge_sha, merged_at = None, None
    if new_state == "merged":
        # The merge commit comes with the fact that says "merged"; a late, older fact about
        # the same PR keeps what we know.
        source = fact if fact.merged or existing is None else existing
        merge_sha = fact.merge_commit_sha if source is fact else existing.merge_sha
        merged_at = fact.merged_at if source is fact else existing.merged_at
        if not merge_sha:
            return
    pr = LinkedPr(
        number=fact.number,
        url=fact.url or (existing.url if existing else ""),
        state=new_state,
        head_sha=fact.head_sha or (existing.head_sha if existing else ""),
        merge_sha=merge_sha,
        merged_at=merged_at,
        forced=forced or (existing.forced if existing else False),
    )
    if existing == pr:
        return
    others = tuple(p for p in state.linked_prs if p.number != pr.number)
    draft.update(linked_prs=tuple(sorted((*others, pr), key=lambda p: p.number)))
    _pr_events(draft, existing, pr, fact)
    follow_pull_request(draft)


def _pr_events(draft: Draft, old: LinkedPr | None, new: LinkedPr, fact: PullRequestFact) -> None:
    was = old.state if old else None
    if was in (None, "unlinked", "closed") and new.state in ("open", "merged"):
        keyword = next(
            (r.keyword for r in fact.closing_refs if r.number == draft.state.issue_number), None
        )
        draft.event(
            EventType.GITHUB_PR_LINKED,
            number=new.number,
            url=new.url,
            keyword=keyword,
            forced=new.forced or None,
            author=fact.author,
            head_repo=fact.head_repo,
        )
    if new.state == "merged" and was != "merged":
        draft.event(EventType.GITHUB_PR_MERGED, number=new.number, merge_sha=new.merge_sha)
    if new.state in ("closed", "unlinked") and was != new.state:
        reason = "closed without merging" if new.state == "closed" else "closing reference removed"
        draft.event(EventType.GITHUB_PR_UNLINKED, number=new.number, reason=reason)


def follow_pull_request(draft: Draft) -> None:
    """Which PR the task follows: the merged one (the latest merge if several closed the
    issue), else the newest open one, else none. A new merge commit restarts CI tracking."""
    state = draft.state
    merged = [p for p in state.linked_prs if p.state == "merged"]
    open_prs = [p for p in state.linked_prs if p.state == "open"]
    if merged:
        pr = max(merged, key=lambda p: (p.merged_at is not None, p.merged_at or 0, p.number))
    elif open_prs:
        pr = max(open_prs, key=lambda p: p.number)
    else:
        pr = None
    sha = pr.merge_sha if pr else None
    draft.update(pr_number=pr.number if pr else None, pr_url=pr.url if pr else None, merge_sha=sha)
    if sha and sha != state.merge_sha:
        # Runs seen before the merge are joined by the verdict now; ask for any we missed.
        draft.plan(
            RereadWorkflowRuns(draft.key("reread_runs", sha), state.repo or "", sha),
            why=f"merged as {sha[:7]}: join the runs already there",
        )


# -- CI ------------------------------------------------------------------------------------


def _capped(runs: tuple[CiRun, ...], merge_sha: str | None) -> tuple[CiRun, ...]:
    """At most MAX_CI_RUNS runs; the merge commit's are never dropped, others oldest first."""
    if len(runs) <= MAX_CI_RUNS:
        return runs
    others = sorted((r for r in runs if r.head_sha != merge_sha), key=lambda r: r.run_id)
    drop = {id(r) for r in others[: len(runs) - MAX_CI_RUNS]}
    return tuple(r for r in runs if id(r) not in drop)


def on_workflow_run(draft: Draft, fact: WorkflowRunFact) -> None:
    state = draft.state
    if state.repo is not None and not _ours(state, fact.repo):
        return  # with no repo yet, keep it: a run on the future merge commit must not be lost
    # Every commit's runs are kept (their latest attempt), not only the merge commit's: the
    # merge we follow can change (a later merge of another linked PR), and keeping them all
    # makes the outcome independent of the order facts arrive in. Only the merge commit's
    # runs count for the verdict (`judge.progress`).
    run = CiRun(
        workflow_id=fact.workflow_id,
        run_id=fact.run_id,
        attempt=fact.run_attempt,
        status=fact.status,
        conclusion=fact.conclusion,
        url=fact.url,
        head_sha=fact.head_sha,
        name=fact.name,
    )
    current = next(
        (r for r in state.ci if (r.workflow_id, r.head_sha) == (run.workflow_id, run.head_sha)),
        None,
    )
    if current is not None and not run.newer_than(current):
        return  # a duplicate, or an older attempt arriving late
    _received(draft, fact.delivery_id)
    draft.update(ci=_capped(latest_runs((*state.ci, run)), state.merge_sha))
    draft.event(
        EventType.CI_UPDATED,
        sha=run.head_sha,
        workflow_id=run.workflow_id,
        workflow=run.name,
        run_id=run.run_id,
        attempt=run.attempt,
        status=run.status,
        conclusion=run.conclusion,
        url=run.url,
    )
