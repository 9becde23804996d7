"""Property tests: random sequences of facts, duplicated and reordered, against the promises
of issue 10 — never two issues, never DEPLOYED without a merge and green CI on that sha, each
notifying effect planned once, and the same outcome whatever the order of GitHub facts."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.pipeline import PipelineStatus, TaskState, decide
from app.pipeline.effects import CreateIssue
from app.pipeline.facts import (
    EffectDone,
    IssueFact,
    PullRequestFact,
    UserAction,
    UserActionKind,
    WorkflowRunFact,
)
from app.pipeline.judge import latest_runs
from app.pipeline.state import CiRun
from tests.pipeline.cast import (
    GID,
    NOW,
    PR_HEAD,
    REPO,
    RULES,
    SHA,
    ST_ACTIVE,
    ST_BLOCKED,
    ST_CANCELLED,
    TASK_ID,
    issue_created,
    pr,
    run,
    snapshot,
)

S = PipelineStatus
SHA2 = "c" * 40
FAST = settings(
    max_examples=int(os.environ.get("PIPELINE_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

SNAPSHOTS = [
    snapshot(),
    snapshot(auto=False),
    snapshot(status=ST_BLOCKED),
    snapshot(status=ST_CANCELLED),
    snapshot(status=ST_ACTIVE),
    snapshot(repo=None),
    snapshot(completed=True),
    snapshot(notes="Changed notes"),
]
# GitHub facts whose outcome the rules promise not to depend on their order: per PR one fate
# (merged or closed unmerged), per workflow attempt one conclusion, no reopen or edit-away.
GITHUB = [
    pr(40),
    pr(40, action="closed", merged=True, sha=SHA),
    pr(41, body="Fixes acme/web#12"),
    pr(41, action="closed"),
    pr(42, body="Resolves https://github.com/acme/web/issues/12"),
    pr(42, action="closed", merged=True, sha=SHA2, merged_minute=5),
    pr(43, body="See #12"),
    pr(44, body="> Closes #12"),
    run(1),
    run(1, conclusion=None),
    run(2, conclusion="failure"),
    run(2, conclusion="success", attempt=2),
    run(3, conclusion="failure", sha=SHA2),
    run(3, conclusion="success", attempt=2, sha=SHA2),
    run(3, conclusion=None, attempt=3, sha=SHA2),
    run(4, sha=PR_HEAD),
    IssueFact("closed", REPO, 12, state="closed", state_reason="completed"),
]
OTHER = [
    issue_created(),
    IssueFact("opened", REPO, 12, marker_task_id=TASK_ID),
    UserAction(UserActionKind.RETRY, "r1"),
    UserAction(UserActionKind.RESYNC, "r2"),
    UserAction(UserActionKind.ADD_NOTE, "n1", text="note"),
    UserAction(UserActionKind.FORCE_LINK_PR, "f1", pr_number=43),
]
ANY_FACT = st.sampled_from(SNAPSHOTS + GITHUB + OTHER)


def feed(facts, *, shell: list[bool] | None = None):
    """Run facts through decide; where `shell[i]` is True, the shell then performs what the
    decision planned and feeds the results back (the create as IssueCreated). Each decision
    comes with the outside facts seen so far."""
    state = TaskState.new(TASK_ID, GID)
    decisions = []
    for i, fact in enumerate(facts):
        queue = [fact]
        while queue:
            decision = decide(state, queue.pop(0), RULES, NOW)
            decisions.append((facts[: i + 1], decision))
            state = decision.state
            if shell and shell[i % len(shell)]:
                for effect in decision.effects:
                    if isinstance(effect, CreateIssue):
                        queue.append(issue_created())
                    elif not effect.kind.startswith("reread"):
                        queue.append(EffectDone(effect.key, effect.kind, {}))
    return state, decisions


def deployed_is_earned(state: TaskState, facts) -> bool:
    """An oracle from the facts alone: some linked PR merged as the state's merge sha, and the
    latest attempt of every workflow on that sha is green (or skipped), at least one green."""
    merged = any(
        isinstance(f, PullRequestFact)
        and f.merged
        and f.merge_commit_sha == state.merge_sha
        and any(r.points_at(REPO, 12) for r in f.closing_refs)
        for f in facts
    )
    runs = latest_runs(
        CiRun(f.workflow_id, f.run_id, f.run_attempt, f.status, f.conclusion, f.url, f.head_sha)
        for f in facts
        if isinstance(f, WorkflowRunFact) and f.head_sha == state.merge_sha
    )
    green = bool(runs) and all(r.green or r.conclusion == "skipped" for r in runs)
    return merged and green and any(r.green for r in runs)


@FAST
@given(st.lists(ANY_FACT, max_size=30), st.lists(st.booleans(), min_size=1, max_size=4))
def test_never_two_issues_and_never_an_effect_twice(facts, shell):
    state, decisions = feed(facts, shell=shell)
    effects = [e for _, d in decisions for e in d.effects]
    creates = [e for e in effects if isinstance(e, CreateIssue)]
    assert {e.key for e in creates} <= {f"task:{TASK_ID}:create_issue"}
    assert len(creates) <= 1
    keys = [e.key for e in effects]
    assert len(keys) == len(set(keys)), "an effect was planned twice"
    assert state.issue_number in (None, 12)


@FAST
@given(st.lists(ANY_FACT, max_size=30), st.lists(st.booleans(), min_size=1, max_size=4))
def test_never_deployed_without_a_merge_and_green_ci_on_that_sha(facts, shell):
    state, decisions = feed(facts, shell=shell)
    for seen, decision in decisions:
        after = decision.state
        if after.status is S.DEPLOYED:
            assert after.merge_sha and deployed_is_earned(after, seen)
        for effect in decision.effects:
            if effect.kind == "complete_asana_task":
                assert after.status is S.DEPLOYED
            if effect.kind == "reopen_asana_task":
                assert after.completed_by_us and after.status is S.FAILED
            if effect.kind == "close_issue":
                assert after.status is S.CANCELLED


@FAST
@given(st.lists(ANY_FACT, max_size=25))
def test_a_fact_repeated_at_once_changes_nothing_more(facts):
    state, _ = feed(facts)
    for fact in SNAPSHOTS[:1] + GITHUB:
        once = decide(state, fact, RULES, NOW)
        twice = decide(once.state, fact, RULES, NOW)
        assert twice.state == once.state
        assert twice.effects == ()


def outcome(state: TaskState):
    """What the rules promise regardless of order: status, links, merge, CI per commit."""
    return (
        state.status,
        state.status_reason,
        state.issue_number,
        state.issue_state,
        state.pr_number,
        state.merge_sha,
        tuple((p.number, p.state, p.merge_sha) for p in state.linked_prs),
        frozenset(state.ci),
    )


@FAST
@given(st.lists(st.sampled_from(GITHUB), max_size=20), st.randoms(use_true_random=False))
def test_the_same_outcome_whatever_the_order_and_duplicates_of_github_facts(facts, rnd):
    start = [snapshot(), issue_created()]
    reordered = list(facts) + [rnd.choice(facts) for _ in range(len(facts) // 2)] if facts else []
    rnd.shuffle(reordered)
    first, _ = feed(start + list(facts))
    second, _ = feed(start + reordered)
    assert outcome(first) == outcome(second)


@FAST
@given(st.lists(st.sampled_from(SNAPSHOTS), min_size=1, max_size=10))
def test_asana_snapshots_are_judged_by_the_last_one(snapshots):
    """Asana facts are full re-reads: whatever came before, the task's status is that of its
    latest snapshot (before the issue exists)."""
    state, _ = feed(snapshots)
    alone, _ = feed([snapshots[-1]])
    if alone.status is not S.TASKSPEC_CREATED and not state.issue_requested:
        assert state.status is alone.status
    if alone.status is S.TASKSPEC_CREATED:
        assert state.status is S.TASKSPEC_CREATED


def test_the_properties_see_merges_at_different_times():
    assert GITHUB[5].merged_at - GITHUB[1].merged_at == timedelta(minutes=5)
