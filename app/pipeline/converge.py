"""After every fact: plan what the task's state calls for that was not planned yet, then set
the status (with a `task.status_changed` event saying from, to and why).

Effects follow from state, not from the fact that arrived, so duplicated, reordered or replayed
facts converge on the same plan, and a task resumes where it stopped when a hold lifts. Each
notifying effect has a key remembered in `TaskState.planned`; rounds (pause, cancel, CI verdict)
give a repeated situation its own keys."""

from __future__ import annotations

from app.pipeline.draft import Draft
from app.pipeline.effects import (
    AddLabel,
    CloseIssue,
    CommentOnIssue,
    CompleteAsanaTask,
    CreateIssue,
    PostAsanaStory,
    RemoveLabel,
    ReopenAsanaTask,
    ReopenIssue,
    effect_marker,
)
from app.pipeline.events import EventType
from app.pipeline.judge import hold, judge
from app.pipeline.state import TaskState
from app.pipeline.status import AsanaStatus, PipelineStatus
from app.pipeline.taskspec import (
    OPENCODE_COMMAND,
    TaskSpec,
    agent_safe,
    issue_body,
    issue_title,
    task_marker,
)


def settle(draft: Draft) -> None:
    held = hold(draft.state)
    status = held.status if held else None
    pause_or_resume(draft)
    if status is PipelineStatus.CANCELLED:
        close_cancelled_issue(draft)
    else:
        reopen_uncancelled_issue(draft)
    if status is None and draft.state.seen:
        # Before the first full read of the Asana task nothing is known about AutoTask, the
        # repo or the status, so nothing may move yet.
        advance(draft)
    set_status(draft)


def set_status(draft: Draft) -> None:
    verdict = judge(draft.state)
    old = draft.before.status
    draft.update(status=verdict.status, status_reason=verdict.reason)
    if verdict.status != old:
        draft.event(
            EventType.TASK_STATUS_CHANGED,
            **{"from": old.value, "to": verdict.status.value, "reason": verdict.reason},
        )


def _comment(draft: Draft, key: str, body: str, purpose: str, why: str) -> None:
    state = draft.state
    assert state.repo is not None and state.issue_number is not None
    if purpose != "opencode":
        body = agent_safe(body)
    text = f"{body}\n\n{effect_marker(key)}"
    draft.plan(CommentOnIssue(key, state.repo, state.issue_number, text, purpose), why=why)


def _story(draft: Draft, key: str, text: str, purpose: str, why: str) -> None:
    draft.plan(PostAsanaStory(key, draft.state.asana_gid, text, purpose), why=why)


# -- holds ---------------------------------------------------------------------------------


def pause_or_resume(draft: Draft) -> None:
    """Rule 6: AutoTask off puts the paused label and a comment on the issue (once per pause);
    on again, the label comes off. Nothing is labelled on a cancelled task's issue."""
    state, label = draft.state, draft.rules.paused_label
    if state.issue_number is None or state.repo is None:
        return
    paused_now = state.seen and not (state.auto_enabled and state.in_project)
    if paused_now and not state.paused and state.asana_status is not AsanaStatus.CANCELLED:
        rnd = state.pause_round + 1
        draft.update(paused=True, pause_round=rnd)
        key = draft.key("label", "add", label, "r" + str(rnd))
        draft.plan(AddLabel(key, state.repo, state.issue_number, label), why="AutoTask is off")
        _comment(
            draft,
            draft.key("comment", "paused", "r" + str(rnd)),
            "AutoTask was turned off in Asana: Auto-Flow has paused this task and will not "
            "act on it until AutoTask is on again.",
            "paused",
            "AutoTask is off",
        )
    elif not paused_now and state.paused:
        draft.update(paused=False)
        key = draft.key("label", "remove", label, "r" + str(state.pause_round))
        draft.plan(
            RemoveLabel(key, state.repo, state.issue_number, label), why="AutoTask is on again"
        )


def close_cancelled_issue(draft: Draft) -> None:
    """Rule 7: CANCELLED closes the issue as not planned, once per cancellation (someone who
    reopens the issue afterwards is not overruled)."""
    state = draft.state
    if draft.before.status is not PipelineStatus.CANCELLED or state.cancel_round == 0:
        state = _bump_cancel_round(draft)
    if state.issue_number is None or state.repo is None or state.issue_state == "closed":
        return
    key = draft.key("close_issue", "r" + str(state.cancel_round))
    draft.plan(
        CloseIssue(key, state.repo, state.issue_number, "not_planned"),
        why="Status is Cancelled in Asana",
    )


def reopen_uncancelled_issue(draft: Draft) -> None:
    """Back from CANCELLED: reopen the issue only if it is closed because we closed it."""
    state = draft.state
    rnd = "r" + str(state.cancel_round)
    if state.issue_state != "closed" or state.repo is None or state.issue_number is None:
        return
    if state.has_planned(draft.key("close_issue", rnd)):
        draft.plan(
            ReopenIssue(draft.key("reopen_issue", rnd), state.repo, state.issue_number),
            why="no longer Cancelled in Asana",
        )


def _bump_cancel_round(draft: Draft) -> TaskState:
    draft.update(cancel_round=draft.state.cancel_round + 1)
    return draft.state


# -- progress ------------------------------------------------------------------------------


def advance(draft: Draft) -> None:
    """The task may move: plan whatever its stage calls for."""
    state = draft.state
    if state.issue_number is None:
        if not state.issue_requested and state.repo is not None:
            create_issue(draft)
        return
    announce_issue(draft)
    announce_prs(draft)
    if state.merge_sha:
        report_ci(draft)


def create_issue(draft: Draft) -> None:
    """Rule 2: one issue per task, ever (its key names nothing but the task)."""
    state = draft.state
    assert state.repo is not None
    if state.taskspec_version == 0:
        # A fact other than a snapshot got here first (e.g. Retry): version 1 now.
        draft.update(taskspec_version=1)
        draft.taskspec = TaskSpec(state.task_id, 1, state.title, state.notes, state.permalink)
    spec = TaskSpec(
        state.task_id, draft.state.taskspec_version, state.title, state.notes, state.permalink
    )
    effect = CreateIssue(
        draft.key("create_issue"),
        state.repo,
        issue_title(spec),
        issue_body(spec, draft.rules.context),
        task_marker(state.task_id),
    )
    why = "AutoTask on, repo resolved, not cancelled"
    if draft.plan(effect, why=why) or state.has_planned(effect.key):
        draft.update(issue_requested=True)


def announce_issue(draft: Draft) -> None:
    """The agent starts on a comment (never the body), then people in Asana get the link."""
    state = draft.state
    number = state.issue_number
    why = f"issue #{number} created"
    key = draft.key("comment", "opencode", "issue", number)
    _comment(draft, key, OPENCODE_COMMAND, "opencode", why)
    _story(
        draft,
        draft.key("asana_story", "issue_created", "issue", number),
        f"Auto-Flow opened GitHub issue #{number} for this task: {state.issue_url or ''}".rstrip(),
        "issue_created",
        why,
    )


def announce_prs(draft: Draft) -> None:
    for pr in draft.state.linked_prs:
        if pr.state in ("open", "merged"):
            _story(
                draft,
                draft.key("asana_story", "pr_linked", "pr", pr.number),
                f"Pull request #{pr.number} is linked to this task: {pr.url}".rstrip(": "),
                "pr_linked",
                f"PR #{pr.number} linked",
            )


def report_ci(draft: Draft) -> None:
    """Rule 5: a DEPLOYED or FAILED verdict on the merge commit starts a round of
    notifications; the same verdict on the same sha never starts another."""
    state = draft.state
    verdict = judge(state).status
    sha = state.merge_sha or ""
    if verdict not in (PipelineStatus.DEPLOYED, PipelineStatus.FAILED):
        return
    label = f"{sha}:{verdict.value}"
    if state.ci_verdict != label:
        draft.update(ci_round=state.ci_round + 1, ci_verdict=label)
        state = draft.state
    rnd = "r" + str(state.ci_round)
    if verdict is PipelineStatus.DEPLOYED:
        deployed(draft, sha, rnd)
    else:
        failed(draft, sha, rnd)


def deployed(draft: Draft, sha: str, rnd: str) -> None:
    state = draft.state
    text = f"CI passed on the merge commit {sha[:7]}: the task is DEPLOYED."
    if not state.asana_completed:
        draft.plan(
            CompleteAsanaTask(draft.key("complete_asana", sha, rnd), state.asana_gid),
            why=f"CI green on {sha[:7]}",
        )
    why = f"CI green on {sha[:7]}"
    _comment(draft, draft.key("comment", "deployed", sha, rnd), text, "deployed", why)
    _story(draft, draft.key("asana_story", "deployed", sha, rnd), text, "deployed", why)


def failed(draft: Draft, sha: str, rnd: str) -> None:
    state = draft.state
    red = [run for run in state.ci_on(sha) if run.red]
    runs = "\n".join(f"- {run.name or run.workflow_id}: {run.conclusion} {run.url}" for run in red)
    text = f"CI failed on the merge commit {sha[:7]}:\n{runs}"
    why = f"CI failed on {sha[:7]}"
    _comment(draft, draft.key("comment", "ci_failed", sha, rnd), text, "ci_failed", why)
    _story(draft, draft.key("asana_story", "ci_failed", sha, rnd), text, "ci_failed", why)
    if state.completed_by_us and state.asana_completed:
        # Only a completion we made is undone; a person's own completion stands.
        draft.plan(
            ReopenAsanaTask(draft.key("reopen_asana", sha, rnd), state.asana_gid),
            why=f"CI failed on {sha[:7]} after Auto-Flow completed the task",
        )
