"""The task page's buttons (and their API twins), and the results of effects coming back."""

from __future__ import annotations

from app.pipeline.draft import Draft
from app.pipeline.effects import (
    CloseIssue,
    CompleteAsanaTask,
    CreateIssue,
    PostAsanaStory,
    ReopenAsanaTask,
    ReopenIssue,
    RereadAsanaTask,
    RereadPullRequest,
    RereadWorkflowRuns,
)
from app.pipeline.events import EventType, Source
from app.pipeline.facts import (
    EffectDone,
    EffectFailed,
    IssueCreated,
    UserAction,
    UserActionKind,
)
from app.pipeline.rules_github import on_issue_created

MAX_NOTE = 5_000  # characters of a note copied to Asana


def on_user_action(draft: Draft, action: UserAction) -> None:
    seen_key = draft.key("action", action.action_id)
    if draft.state.has_planned(seen_key):
        return  # the same request twice (a double submit, a client retry)
    draft.update(planned=tuple(sorted({*draft.state.planned, seen_key})))
    draft.event(
        EventType.MANUAL_ACTION,
        action=action.kind.value,
        action_id=action.action_id,
        by=action.by,
        repo=action.repo,
        pr_number=action.pr_number,
        # The note is the content of this timeline entry, written by the user for it.
        note=action.text if action.kind is UserActionKind.ADD_NOTE else None,
    )
    handler = {
        UserActionKind.RETRY: retry,
        UserActionKind.RESYNC: resync,
        UserActionKind.CHANGE_REPO: change_repo,
        UserActionKind.FORCE_LINK_PR: force_link_pr,
        UserActionKind.ADD_NOTE: add_note,
    }[action.kind]
    handler(draft, action)


def _refuse(draft: Draft, action: UserAction, reason: str) -> None:
    draft.event(
        EventType.ERROR, action=action.kind.value, action_id=action.action_id, reason=reason
    )


def retry(draft: Draft, action: UserAction) -> None:
    """Clear the error, re-arm every failed effect, and judge the task afresh from Asana."""
    draft.update(last_error="", last_error_key="")
    draft.rearm = draft.state.planned
    resync(draft, action)


def resync(draft: Draft, action: UserAction) -> None:
    """Re-read the task (and its PR and the merge commit's runs): the answers are facts."""
    state = draft.state
    why = f"{action.kind.value} by {action.by or action.via}"
    draft.plan(
        RereadAsanaTask(draft.key("reread_asana", action.action_id), state.asana_gid), why=why
    )
    if state.repo and state.pr_number is not None:
        key = draft.key("reread_pr", state.pr_number, action.action_id)
        draft.plan(RereadPullRequest(key, state.repo, state.pr_number), why=why)
    if state.repo and state.merge_sha:
        key = draft.key("reread_runs", state.merge_sha, action.action_id)
        draft.plan(RereadWorkflowRuns(key, state.repo, state.merge_sha), why=why)


def change_repo(draft: Draft, action: UserAction) -> None:
    state = draft.state
    repo = draft.rules.canonical_repo(action.repo)
    if repo is None:
        _refuse(draft, action, f"{action.repo!r} is not one of the project's repositories")
        return
    if state.issue_number is not None or state.issue_requested:
        _refuse(draft, action, f"the issue already exists in {state.repo}; the repo stays")
        return
    draft.update(repo_choice=repo, repo=repo, repo_reason="")
    if repo != state.repo:
        draft.event(EventType.TASK_REPO_RESOLVED, repo=repo, previous=state.repo, manual=True)


def force_link_pr(draft: Draft, action: UserAction) -> None:
    """Link a PR by hand (no closing keyword needed); its data comes from a fresh read."""
    state = draft.state
    number = action.pr_number
    if number is None or number <= 0:
        _refuse(draft, action, "no pull request number")
        return
    if state.repo is None or state.issue_number is None:
        _refuse(draft, action, "the task has no issue yet")
        return
    if number not in state.forced_prs:
        draft.update(forced_prs=tuple(sorted((*state.forced_prs, number))))
    key = draft.key("reread_pr", number, action.action_id)
    draft.plan(RereadPullRequest(key, state.repo, number), why=f"PR #{number} linked by hand")


def add_note(draft: Draft, action: UserAction) -> None:
    """The note goes on the timeline (the manual.action event) and to Asana as a story."""
    text = (action.text or "").strip()
    if not text:
        _refuse(draft, action, "the note is empty")
        return
    author = action.by or "Auto-Flow"
    draft.plan(
        PostAsanaStory(
            draft.key("asana_story", "note", action.action_id),
            draft.state.asana_gid,
            f"Note from {author}: {text[:MAX_NOTE]}",
            "note",
        ),
        why=f"note by {author}",
    )


# -- effect results ------------------------------------------------------------------------

_DONE_EVENTS = {
    "comment_on_issue": EventType.COMMENT_POSTED,
    "post_asana_story": EventType.STORY_POSTED,
    "add_label": EventType.LABEL_SET,
    "remove_label": EventType.LABEL_REMOVED,
}


def on_effect_done(draft: Draft, done: EffectDone) -> None:
    state = draft.state
    if done.key == state.last_error_key:
        draft.update(last_error="", last_error_key="")
    ref = {k: v for k, v in done.ref.items() if isinstance(v, str | int | bool) and k != "key"}
    if done.kind == CreateIssue.kind and isinstance(done.ref.get("number"), int):
        repo = str(done.ref.get("repo") or state.repo or "")
        url = str(done.ref.get("url") or "")
        on_issue_created(draft, IssueCreated(done.key, repo, done.ref["number"], url))
    elif done.kind == CompleteAsanaTask.kind:
        if not (state.completed_by_us and state.asana_completed):
            at = done.ref.get("modified_at")
            draft.update(
                completed_by_us=True,
                asana_completed=True,
                completed_by_us_at=at if isinstance(at, str) else "",
            )
            draft.event(EventType.ASANA_COMPLETED_SET, Source.SYSTEM, key=done.key)
    elif done.kind == ReopenAsanaTask.kind:
        if state.completed_by_us or state.asana_completed:
            draft.update(completed_by_us=False, asana_completed=False)
            draft.event(EventType.ASANA_REOPENED_SET, Source.SYSTEM, key=done.key)
    elif done.kind == CloseIssue.kind:
        if state.issue_state != "closed":
            draft.update(issue_state="closed")
            draft.event(
                EventType.GITHUB_ISSUE_CLOSED,
                Source.SYSTEM,
                number=state.issue_number,
                state_reason="not_planned",
                key=done.key,
            )
    elif done.kind == ReopenIssue.kind:
        draft.update(issue_state="open")
    elif done.kind in _DONE_EVENTS:
        draft.event(_DONE_EVENTS[done.kind], Source.SYSTEM, key=done.key, **ref)


def on_effect_failed(draft: Draft, failed: EffectFailed) -> None:
    draft.event(
        EventType.ERROR,
        Source.SYSTEM,
        key=failed.key,
        kind=failed.kind,
        reason=failed.reason,
        permanent=failed.permanent,
    )
    if failed.permanent:
        draft.update(last_error=failed.reason, last_error_key=failed.key)
