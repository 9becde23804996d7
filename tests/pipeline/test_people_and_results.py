"""The task page's actions and the effect results the shell feeds back."""

from __future__ import annotations

from app.pipeline import PipelineStatus
from app.pipeline.facts import EffectDone, EffectFailed, UserAction, UserActionKind
from tests.pipeline.cast import (
    OPT_UNMAPPED,
    done,
    happy_until_merge,
    issue_created,
    play,
    pr,
    snapshot,
)

S = PipelineStatus
K = UserActionKind


def act(kind, action_id="a1", **values) -> UserAction:
    return UserAction(kind, action_id, by="ann", **values)


def test_change_repo_resolves_a_task_that_needs_one():
    result = play(snapshot(repo=OPT_UNMAPPED), act(K.CHANGE_REPO, repo="ACME/api"))
    assert result.state.repo == "acme/api" and result.state.status is S.TASKSPEC_CREATED
    assert result.last.effects[0].kind == "create_issue"
    assert result.last.effects[0].repo == "acme/api"


def test_the_chosen_repo_wins_over_the_asana_field_until_the_issue_exists():
    result = play(snapshot(repo=OPT_UNMAPPED, auto=False), act(K.CHANGE_REPO, repo="acme/api"))
    result.then(snapshot(repo=OPT_UNMAPPED))
    assert result.state.repo == "acme/api"


def test_change_repo_refuses_a_repo_outside_the_project_and_after_the_issue():
    outside = play(snapshot(repo=None), act(K.CHANGE_REPO, repo="evil/repo"))
    assert outside.state.repo is None and outside.last.events[-1].event_type.value == "error"
    late = play(snapshot(), issue_created(), act(K.CHANGE_REPO, repo="acme/api"))
    assert late.state.repo == "acme/web"
    assert "error" in late.event_types()


def test_force_link_pr_links_without_a_keyword_after_a_fresh_read():
    result = play(snapshot(), issue_created(), act(K.FORCE_LINK_PR, pr_number=40))
    (reread,) = result.last.effects
    assert (reread.kind, reread.number) == ("reread_pull_request", 40)
    result.then(pr(action="reread", body="no keyword here"))
    assert result.state.pr_number == 40 and result.state.linked(40).forced


def test_add_note_goes_to_the_timeline_and_to_asana():
    result = play(snapshot(), act(K.ADD_NOTE, text="Ship it before Friday"))
    manual = [e for e in result.last.events if e.event_type.value == "manual.action"][0]
    assert manual.ref["note"] == "Ship it before Friday" and manual.ref["by"] == "ann"
    story = result.last.effects[0]
    assert story.purpose == "note" and "Ship it before Friday" in story.text


def test_the_same_action_twice_is_done_once():
    note = act(K.ADD_NOTE, text="hello")
    result = play(snapshot(), note, note)
    assert result.last.effects == () and result.last.events == ()


def test_resync_rereads_the_task_its_pr_and_the_merge_commits_runs():
    result = happy_until_merge().then(act(K.RESYNC, via="api"))
    kinds = [e.kind for e in result.last.effects]
    assert kinds == ["reread_asana_task", "reread_pull_request", "reread_workflow_runs"]
    assert result.last.events[0].source.value == "api"


def test_a_permanent_failure_shows_until_retry_which_rearms_the_failed_effects():
    result = play(snapshot())
    key = result.effects[0].key
    result.then(EffectFailed(key, "create_issue", "422 validation failed", permanent=True))
    assert result.state.last_error == "422 validation failed"
    assert result.last.events[0].event_type.value == "error"
    result.then(act(K.RETRY))
    assert result.state.last_error == "" and key in result.last.rearm
    assert [e.kind for e in result.last.effects] == ["reread_asana_task"]


def test_a_transient_failure_is_only_recorded():
    result = play(snapshot())
    result.then(EffectFailed(result.effects[0].key, "create_issue", "502", permanent=False))
    assert result.state.last_error == "" and result.last.events[0].ref["permanent"] is False


def test_a_success_clears_the_error_of_the_same_effect():
    result = play(snapshot())
    key = result.effects[0].key
    result.then(EffectFailed(key, "create_issue", "403", permanent=True))
    result.then(EffectDone(key, "create_issue", {"number": 12, "url": "u", "repo": "acme/web"}))
    assert result.state.last_error == "" and result.state.issue_number == 12


def test_done_comments_and_labels_land_on_the_timeline():
    result = play(snapshot(), issue_created())
    comment = result.last.effects[0]
    result.then(done(comment, comment_id=99, url="https://github.com/c/99"))
    event = result.last.events[0]
    assert event.event_type.value == "comment.posted" and event.ref["comment_id"] == 99
    assert result.last.effects == ()


def test_an_opened_pr_before_any_issue_is_ignored():
    result = play(snapshot(), pr())
    assert result.state.linked_prs == () and result.state.status is S.TASKSPEC_CREATED


def test_nothing_moves_before_the_first_read_of_the_asana_task():
    result = play(act(K.CHANGE_REPO, repo="acme/web"), act(K.RETRY, action_id="a2"))
    assert [e.kind for e in result.effects] == ["reread_asana_task"]
    assert result.state.status is S.RECEIVED
