"""Rules 2, 4 and 5 (GitHub side): after the issue, the /opencode comment and the Asana story;
strict PR linking; the PR that merges; CI on the merge commit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.pipeline import PipelineStatus
from app.pipeline.effects import CommentOnIssue
from app.pipeline.facts import IssueCommentFact, IssueFact
from tests.pipeline.cast import (
    OTHER_REPO,
    PR_HEAD,
    REPO,
    RULES,
    SHA,
    done,
    happy_until_merge,
    issue_created,
    play,
    pr,
    run,
    snapshot,
)

S = PipelineStatus


def test_once_the_issue_exists_opencode_is_asked_in_a_separate_comment_and_asana_hears():
    result = play(snapshot(), issue_created())
    comment, story = result.last.effects
    assert isinstance(comment, CommentOnIssue)
    assert comment.key == "task:7:comment:opencode:issue:12"
    assert comment.body.splitlines()[0] == "/opencode implement"
    assert (comment.repo, comment.number, comment.purpose) == (REPO, 12, "opencode")
    assert story.key == "task:7:asana_story:issue_created:issue:12"
    assert "https://github.com/acme/web/issues/12" in story.text
    assert result.state.status is S.ISSUE_CREATED


def test_the_same_issue_reported_twice_plans_nothing_more():
    result = play(snapshot(), issue_created(), issue_created())
    assert result.last.effects == ()
    assert result.kinds().count("comment_on_issue") == 1


def test_a_second_different_issue_is_never_adopted():
    result = play(snapshot(), issue_created(12), issue_created(13))
    assert result.state.issue_number == 12
    assert result.last.events[0].event_type.value == "error"


def test_our_issue_found_by_its_marker_is_adopted():
    fact = IssueFact(
        "opened", REPO, 12, url="https://github.com/acme/web/issues/12", marker_task_id=7
    )
    result = play(snapshot(), fact)
    assert result.state.issue_number == 12
    assert "task:7:comment:opencode:issue:12" in result.keys()


def test_an_issue_with_another_tasks_marker_is_ignored():
    fact = IssueFact("opened", REPO, 12, marker_task_id=8)
    assert play(snapshot(), fact).state.issue_number is None


# -- linking -------------------------------------------------------------------------------

LINKING = [
    # id, pull request fact, linked
    ("closes", pr(body="Closes #12"), True),
    ("fixes-in-title", pr(title="Fixes #12", body=""), True),
    ("owner-repo", pr(body="resolved: acme/web#12"), True),
    ("url", pr(body="Fixes https://github.com/acme/web/issues/12"), True),
    ("bare-number", pr(body="See #12"), False),
    ("quoted", pr(body="> Closes #12"), False),
    ("code-block", pr(body="```\nCloses #12\n```"), False),
    ("other-issue", pr(body="Closes #13"), False),
    ("pr-in-another-repo", pr(repo=OTHER_REPO, body="Closes acme/web#12"), False),
    ("reference-to-another-repo", pr(body="Closes acme/api#12"), False),
]


@pytest.mark.parametrize("fact,linked", [r[1:] for r in LINKING], ids=[r[0] for r in LINKING])
def test_a_pr_links_only_by_a_strict_closing_reference(fact, linked):
    result = play(snapshot(), issue_created(), fact)
    assert (result.state.pr_number == 40) is linked
    assert (result.state.status is S.PR_CREATED) is linked
    assert ("github.pr_linked" in result.event_types()) is linked


def test_a_linked_pr_is_announced_in_asana_once():
    result = play(snapshot(), issue_created(), pr(), pr(action="edited"), pr(action="synchronize"))
    assert result.keys().count("task:7:asana_story:pr_linked:pr:40") == 1


def test_a_pr_closed_unmerged_unlinks_without_flapping_the_status():
    result = play(snapshot(), issue_created(), pr(), pr(action="closed"))
    assert result.state.status is S.PR_CREATED
    assert result.state.pr_number is None
    assert result.event_types().count("task.status_changed") == 3  # RECEIVED..PR_CREATED only
    assert "github.pr_unlinked" in result.event_types()


def test_the_agent_replacing_its_pr_keeps_the_status_and_follows_the_new_one():
    result = play(snapshot(), issue_created(), pr(40), pr(40, action="closed"), pr(41))
    assert result.state.status is S.PR_CREATED and result.state.pr_number == 41


def test_a_late_opened_event_does_not_undo_a_close():
    result = play(snapshot(), issue_created(), pr(action="closed"), pr(action="opened"))
    assert result.state.linked(40).state == "closed"


def test_editing_the_reference_away_unlinks():
    result = play(snapshot(), issue_created(), pr(), pr(action="edited", body="WIP"))
    assert result.state.linked(40).state == "unlinked" and result.state.pr_number is None


def test_with_several_prs_the_task_follows_the_one_that_merges():
    result = play(
        snapshot(),
        issue_created(),
        pr(40),
        pr(41),
        pr(41, action="closed", merged=True),
        pr(40, action="closed"),
    )
    assert result.state.pr_number == 41 and result.state.merge_sha == SHA
    assert result.state.status is S.WAITING_CI


def test_the_agents_created_pr_comment_asks_for_that_pr():
    comment = IssueCommentFact("created", REPO, 12, comment_id=5, created_pr_number=40)
    result = play(snapshot(), issue_created(), comment, comment)
    assert result.kinds().count("reread_pull_request") == 1


# -- CI on the merge commit ----------------------------------------------------------------


def test_a_merge_waits_for_ci_and_asks_for_the_runs_already_on_the_merge_commit():
    result = happy_until_merge()
    assert result.state.status is S.WAITING_CI and result.state.merge_sha == SHA
    reread = result.last.effects[0]
    assert (reread.kind, reread.head_sha) == ("reread_workflow_runs", SHA)
    assert "github.pr_merged" in result.event_types()


CI = [
    # id, runs on the merge commit (in arrival order), status
    ("one-green", [run(1)], S.DEPLOYED),
    ("all-green", [run(1), run(2)], S.DEPLOYED),
    ("one-still-running", [run(1), run(2, conclusion=None)], S.WAITING_CI),
    ("one-red", [run(1), run(2, conclusion="failure")], S.FAILED),
    ("red-while-another-runs", [run(1, conclusion=None), run(2, conclusion="failure")], S.FAILED),
    ("timed-out", [run(1, conclusion="timed_out")], S.FAILED),
    ("cancelled", [run(1, conclusion="cancelled")], S.FAILED),
    ("startup-failure", [run(1, conclusion="startup_failure")], S.FAILED),
    ("green-rerun-overrides-red", [run(1, conclusion="failure"), run(1, attempt=2)], S.DEPLOYED),
    ("red-rerun-overrides-green", [run(1), run(1, conclusion="failure", attempt=2)], S.FAILED),
    ("late-old-attempt-ignored", [run(1, attempt=2), run(1, conclusion="failure")], S.DEPLOYED),
    ("skipped-with-green", [run(1), run(2, conclusion="skipped")], S.DEPLOYED),
    ("only-skipped", [run(1, conclusion="skipped")], S.WAITING_CI),
    ("pr-head-run-ignored", [run(1, sha=PR_HEAD)], S.WAITING_CI),
    ("other-repo-ignored", [run(1, repo=OTHER_REPO)], S.WAITING_CI),
]


@pytest.mark.parametrize("runs,status", [r[1:] for r in CI], ids=[r[0] for r in CI])
def test_the_merge_commits_ci_decides(runs, status):
    assert happy_until_merge().then(*runs).state.status is status


def test_runs_that_arrive_before_the_merge_are_joined():
    result = play(snapshot(), issue_created(), pr(), run(1), run(2, sha=PR_HEAD))
    assert result.state.status is S.PR_CREATED
    result.then(pr(action="closed", merged=True))
    assert result.state.status is S.DEPLOYED
    assert [r.workflow_id for r in result.state.ci_on(SHA)] == [1]


def test_no_deployed_without_a_merge():
    result = play(snapshot(), issue_created(), pr(), run(1), run(1, sha=PR_HEAD))
    assert result.state.status is S.PR_CREATED


def test_deployed_completes_the_asana_task_and_tells_the_issue_and_asana():
    result = happy_until_merge().then(run(1))
    kinds = [e.kind for e in result.last.effects]
    assert kinds == ["complete_asana_task", "comment_on_issue", "post_asana_story"]
    complete = result.last.effects[0]
    result.then(done(complete))
    assert result.state.completed_by_us and result.state.asana_completed
    assert "asana.completed_set" in result.event_types()


def test_deployed_does_not_complete_a_task_someone_already_completed():
    result = play(
        snapshot(completed=True), issue_created(), pr(), pr(action="closed", merged=True), run(1)
    )
    assert "complete_asana_task" not in result.kinds()
    assert result.state.completed_by_us is False


def test_a_red_run_comments_everywhere_with_the_runs_link():
    result = happy_until_merge().then(run(1, conclusion="failure"))
    comment, story = result.last.effects
    url = "https://github.com/acme/web/actions/runs/1001/attempts/1"
    assert comment.purpose == "ci_failed" and url in comment.body
    assert story.purpose == "ci_failed" and url in story.text
    ci_events = [e for e in result.events if e.event_type.value == "ci.updated"]
    assert ci_events[-1].ref["url"] == url and ci_events[-1].ref["conclusion"] == "failure"


def test_a_red_rerun_after_we_completed_reopens_the_asana_task():
    result = happy_until_merge().then(run(1))
    result.then(done(result.last.effects[0]), run(1, attempt=2, conclusion="failure"))
    assert "reopen_asana_task" in [e.kind for e in result.last.effects]
    result.then(done(next(e for e in result.last.effects if e.kind == "reopen_asana_task")))
    assert not result.state.completed_by_us and not result.state.asana_completed
    assert "asana.reopened_set" in result.event_types()


def test_a_red_run_never_reopens_a_task_we_did_not_complete():
    result = play(
        snapshot(completed=True), issue_created(), pr(), pr(action="closed", merged=True)
    ).then(run(1, conclusion="failure"))
    assert "reopen_asana_task" not in result.kinds()


def test_a_completion_landing_after_the_verdict_turned_red_is_undone():
    result = happy_until_merge().then(run(1))
    complete = result.last.effects[0]
    result.then(run(1, attempt=2, conclusion="failure"), done(complete))
    assert result.last.effects[0].kind == "reopen_asana_task"


def test_green_after_red_completes_again_with_new_keys():
    result = happy_until_merge().then(run(1, conclusion="failure"), run(1, attempt=2))
    assert result.state.status is S.DEPLOYED
    assert result.state.ci_round == 2
    assert "task:7:complete_asana:" + SHA + ":r2" in result.keys()


def test_a_duplicate_run_event_changes_nothing():
    result = happy_until_merge().then(run(1), run(1))
    assert result.last.effects == () and result.last.events == ()


def test_a_fix_pr_merged_after_red_ci_is_followed_and_deploys():
    fix_sha = "d" * 40
    result = happy_until_merge().then(run(1, conclusion="failure"))
    assert result.state.status is S.FAILED
    result.then(
        pr(41, body="Fixes #12"), pr(41, action="closed", merged=True, sha=fix_sha, merged_minute=9)
    )
    assert result.state.pr_number == 41 and result.state.status is S.WAITING_CI
    result.then(run(1, sha=fix_sha, run_id=2001))
    assert result.state.status is S.DEPLOYED and result.state.merge_sha == fix_sha


def test_an_import_of_a_known_task_keeps_its_links():
    result = happy_until_merge().then(run(1))
    before = result.state
    result.then(replace(snapshot(notes="edited in Asana"), imported=True))
    after = result.state
    assert (after.issue_number, after.pr_number, after.merge_sha, after.status) == (
        before.issue_number,
        before.pr_number,
        before.merge_sha,
        before.status,
    )
    seen = [e for e in result.last.events if e.event_type.value == "task.created_or_seen"]
    assert seen[0].ref["imported"] is True and "taskspec" in seen[0].ref["changed"]


def test_our_other_comments_never_carry_the_agents_trigger():
    ocean = "acme/ocean"
    rules = replace(RULES, repos=(*RULES.repos, ocean), default_repo=ocean)
    result = play(snapshot(repo=None), issue_created(repo=ocean), rules=rules)
    result.then(
        pr(repo=ocean),
        pr(repo=ocean, action="closed", merged=True),
        run(1, conclusion="failure", repo=ocean),
        rules=rules,
    )
    comments = [e for e in result.effects if e.kind == "comment_on_issue"]
    assert [c.purpose for c in comments] == ["opencode", "ci_failed"]
    failed = comments[1].body
    assert "/oc" not in failed.lower()
    assert "https://github.com/acme/%6Fcean/actions/runs/1001/attempts/1" in failed


COMPLETED_AT = "2026-11-25T10:00:05.000000Z"


@pytest.mark.parametrize(
    ("read_at", "still_ours"),
    [
        pytest.param("2026-11-25T10:00:01.000000Z", True, id="read-before-our-completion"),
        pytest.param("2026-11-25T10:09:00.000000Z", False, id="reopened-by-a-person-after-it"),
        pytest.param("", False, id="read-of-unknown-age"),
    ],
)
def test_only_a_read_newer_than_our_completion_can_say_a_person_reopened_the_task(
    read_at, still_ours
):
    result = happy_until_merge().then(run(1))
    complete = result.last.effects[0]
    result.then(done(complete, modified_at=COMPLETED_AT), snapshot(modified_at=read_at))
    assert result.state.completed_by_us is still_ours
    # And so a red re-run reopens the Asana task only while the completion is still ours.
    result.then(run(1, attempt=2, conclusion="failure"))
    assert ("reopen_asana_task" in [e.kind for e in result.last.effects]) is still_ours
