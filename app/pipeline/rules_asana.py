"""Rule 1: an Asana fact is a full re-read of the task, judged by its current state."""

from __future__ import annotations

from app.pipeline.draft import Draft
from app.pipeline.events import EventType
from app.pipeline.facts import AsanaTaskSnapshot
from app.pipeline.judge import asana_status_of, autotask_on, in_project, task_repo
from app.pipeline.taskspec import TaskSpec, spec_changed


def on_asana_snapshot(draft: Draft, snap: AsanaTaskSnapshot) -> None:
    state, rules = draft.state, draft.rules
    if snap.gid != state.asana_gid:
        draft.event(
            EventType.ERROR, reason=f"a snapshot of task {snap.gid} was given to {state.asana_gid}"
        )
        return
    if snap.delivery_id:
        draft.event(EventType.ASANA_WEBHOOK_RECEIVED, delivery_id=snap.delivery_id, task=snap.gid)
    first = not state.seen
    # Read before our own completion landed (reads happen outside the task's lock): its
    # `completed` is out of date, not a person reopening the task.
    before_our_completion = bool(
        state.completed_by_us
        and snap.modified_at
        and state.completed_by_us_at
        and snap.modified_at < state.completed_by_us_at
    )
    values = {
        "auto_enabled": autotask_on(snap, rules),
        "asana_status": asana_status_of(snap, rules),
        "in_project": in_project(snap, rules),
        "asana_completed": state.asana_completed if before_our_completion else snap.completed,
        "permalink": snap.permalink,
    }
    if state.completed_by_us and not snap.completed and not before_our_completion:
        # Someone reopened the task we completed: from now on it is theirs to close.
        values["completed_by_us"] = False
    changed = sorted(k for k, v in values.items() if getattr(state, k) != v)
    if first or spec_changed(state.title, state.notes, snap.name, snap.notes):
        version_taskspec(draft, snap)
        changed.append("taskspec")
    draft.update(seen=True, title=snap.name, notes=snap.notes, **values)
    judge_repo(draft, snap)
    if first or changed:
        draft.event(
            EventType.TASK_CREATED_OR_SEEN,
            task=snap.gid,
            first=first,
            imported=snap.imported or None,
            changed=changed or None,
            delivery_id=snap.delivery_id,
        )


def version_taskspec(draft: Draft, snap: AsanaTaskSnapshot) -> None:
    """A new TaskSpec version when the title or notes change (version 1 on first sight). An
    issue already created keeps its body: the new version is recorded for the task page."""
    version = draft.state.taskspec_version + 1
    draft.taskspec = TaskSpec(draft.state.task_id, version, snap.name, snap.notes, snap.permalink)
    draft.update(taskspec_version=version)
    draft.event(EventType.TASKSPEC_VERSIONED, version=version)


def judge_repo(draft: Draft, snap: AsanaTaskSnapshot) -> None:
    """Resolve the repository until the issue exists; after that the issue's repository is the
    task's for good (moving it would need a second issue, which the rules never create)."""
    state = draft.state
    if state.issue_number is not None or state.issue_requested:
        return
    resolution = task_repo(snap, draft.rules, state.repo_choice)
    if resolution.repo is not None and resolution.repo != state.repo:
        draft.event(EventType.TASK_REPO_RESOLVED, repo=resolution.repo, previous=state.repo)
    elif resolution.repo is None and (
        state.repo is not None or resolution.reason != state.repo_reason
    ):
        draft.event(EventType.TASK_REPO_MISSING, reason=resolution.reason, previous=state.repo)
    draft.update(repo=resolution.repo, repo_reason=resolution.reason)
