"""Pure judgements the rules share: what a snapshot's fields mean, which hold (if any) stops a
task, how far it has progressed, and the CI verdict on the merge commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.pipeline.facts import AsanaTaskSnapshot
from app.pipeline.rules_config import ProjectRules, RepoResolution, resolve_repo
from app.pipeline.state import NEUTRAL_CONCLUSIONS, CiRun, TaskState
from app.pipeline.status import AsanaStatus, PipelineStatus


@dataclass(frozen=True)
class Judgement:
    status: PipelineStatus
    reason: str


# -- what the Asana fields mean ------------------------------------------------------------


def autotask_on(snapshot: AsanaTaskSnapshot, rules: ProjectRules) -> bool:
    """AutoTask is on when the configured "on" option is among the chosen ones (enum or
    multi_enum); with the field or the option unconfigured it is never on."""
    if not rules.autotask_field_gid or not rules.autotask_on_option_gid:
        return False
    chosen = snapshot.choices(rules.autotask_field_gid)
    return any(option.gid == rules.autotask_on_option_gid for option in chosen)


def asana_status_of(snapshot: AsanaTaskSnapshot, rules: ProjectRules) -> AsanaStatus:
    """The mapped meaning of the Status option; an empty or unmapped option means ACTIVE. With
    several options (multi_enum), the most restrictive wins: CANCELLED, then BLOCKED."""
    meanings = {
        rules.status_map.get(option.gid, AsanaStatus.ACTIVE)
        for option in snapshot.choices(rules.status_field_gid)
    }
    for meaning in (AsanaStatus.CANCELLED, AsanaStatus.BLOCKED):
        if meaning in meanings:
            return meaning
    return AsanaStatus.ACTIVE


def in_project(snapshot: AsanaTaskSnapshot, rules: ProjectRules) -> bool:
    if not rules.asana_project_gids:
        return True
    return bool(set(snapshot.project_gids) & set(rules.asana_project_gids))


def task_repo(
    snapshot: AsanaTaskSnapshot, rules: ProjectRules, repo_choice: str | None
) -> RepoResolution:
    """The task's repository: a repo chosen on the task page, else the Repo field's option
    (override or `owner/repo` name), else the project's default when the field is empty. An
    option that maps to nothing never falls back to the default: someone chose it."""
    chosen = rules.canonical_repo(repo_choice)
    if chosen:
        return RepoResolution(chosen)
    options = snapshot.choices(rules.repo_field_gid)
    if not options:
        if rules.default_repo and rules.canonical_repo(rules.default_repo):
            return RepoResolution(rules.canonical_repo(rules.default_repo))
        if not rules.repo_field_gid:
            return RepoResolution(None, "no Repo field is configured and no default repository")
        return RepoResolution(None, "no Repo chosen in Asana and no default repository")
    option = options[0]
    repo = resolve_repo(option.gid, option.name, rules.repos, rules.repo_overrides)
    if repo is None:
        label = " ".join(option.name.split())[:80]
        return RepoResolution(
            None, f"the Repo option {label!r} ({option.gid}) maps to no project repository"
        )
    return RepoResolution(repo)


# -- holds and progress --------------------------------------------------------------------


def hold(state: TaskState) -> Judgement | None:
    """The reason the task may not move, strongest first, or None."""
    if not state.seen:
        return None
    if state.asana_status is AsanaStatus.CANCELLED:
        return Judgement(PipelineStatus.CANCELLED, "Status is Cancelled in Asana")
    if not state.in_project:
        return Judgement(PipelineStatus.AUTO_DISABLED, "the task left the project's Asana projects")
    if not state.auto_enabled:
        return Judgement(PipelineStatus.AUTO_DISABLED, "AutoTask is off")
    if state.asana_status is AsanaStatus.BLOCKED:
        return Judgement(PipelineStatus.BLOCKED, "Status is Blocked in Asana")
    if state.repo is None and state.issue_number is None and not state.issue_requested:
        return Judgement(PipelineStatus.NEEDS_REPO, state.repo_reason or "no repository")
    return None


def latest_runs(runs: Iterable[CiRun]) -> tuple[CiRun, ...]:
    """One run per (workflow, sha): its newest report."""
    best: dict[tuple[int, str], CiRun] = {}
    for run in runs:
        slot = (run.workflow_id, run.head_sha)
        if slot not in best or run.newer_than(best[slot]):
            best[slot] = run
    return tuple(sorted(best.values(), key=lambda r: (r.head_sha, r.workflow_id)))


def ci_verdict(runs: Iterable[CiRun]) -> PipelineStatus:
    """The merge commit's CI: FAILED as soon as any workflow's latest attempt concluded red;
    DEPLOYED when every workflow's latest attempt concluded (success, or skipped/neutral) and at
    least one succeeded; otherwise WAITING_CI (nothing ran yet, or something still runs)."""
    latest = latest_runs(runs)
    if any(run.red for run in latest):
        return PipelineStatus.FAILED
    if latest and all(run.green or run.conclusion in NEUTRAL_CONCLUSIONS for run in latest):
        if any(run.green for run in latest):
            return PipelineStatus.DEPLOYED
    return PipelineStatus.WAITING_CI


def progress(state: TaskState) -> Judgement:
    """How far the task got, from its fields (so a task resumes where it stopped)."""
    sha = state.merge_sha
    if sha:
        verdict = ci_verdict(state.ci_on(sha))
        short = sha[:7]
        reasons = {
            PipelineStatus.DEPLOYED: f"CI green on {short}",
            PipelineStatus.FAILED: f"CI failed on {short}",
            PipelineStatus.WAITING_CI: f"PR #{state.pr_number} merged as {short}; waiting for CI",
        }
        return Judgement(verdict, reasons[verdict])
    if state.linked_prs:
        # A PR that was linked once keeps the task at PR_CREATED even if it closes unmerged:
        # the agent often replaces one PR with another, and the status should not flap.
        if state.pr_number is None:
            return Judgement(PipelineStatus.PR_CREATED, "linked PR closed unmerged; waiting")
        return Judgement(PipelineStatus.PR_CREATED, f"PR #{state.pr_number} linked")
    if state.issue_number is not None:
        return Judgement(PipelineStatus.ISSUE_CREATED, f"issue #{state.issue_number} created")
    if state.issue_requested:
        return Judgement(PipelineStatus.TASKSPEC_CREATED, "creating the issue")
    return Judgement(PipelineStatus.RECEIVED, "waiting for the task's Asana fields")


def judge(state: TaskState) -> Judgement:
    return hold(state) or progress(state)
