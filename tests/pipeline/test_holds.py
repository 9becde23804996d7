"""Rules 6 and 7: AutoTask off pauses (label + comment), on again resumes where it stopped;
CANCELLED closes the issue as not planned; BLOCKED only marks; back to ACTIVE resumes."""

from __future__ import annotations

from app.pipeline import PipelineStatus
from app.pipeline.facts import IssueFact
from tests.pipeline.cast import (
    REPO,
    ST_ACTIVE,
    ST_BLOCKED,
    ST_CANCELLED,
    done,
    happy_until_merge,
    issue_created,
    play,
    pr,
    run,
    snapshot,
)

S = PipelineStatus


def with_issue():
    return play(snapshot(), issue_created())


def test_autotask_off_labels_and_comments_the_issue_and_stops():
    result = with_issue().then(snapshot(auto=False))
    label, comment = result.last.effects
    assert (label.kind, label.label, label.number) == ("add_label", "autoflow:paused", 12)
    assert label.key == "task:7:label:add:autoflow:paused:r1"
    assert comment.purpose == "paused"
    assert result.state.status is S.AUTO_DISABLED and result.state.paused


def test_while_paused_nothing_is_written_anywhere():
    result = with_issue().then(snapshot(auto=False), pr(), pr(action="closed", merged=True), run(1))
    assert result.state.status is S.AUTO_DISABLED
    later = [e.kind for d in result.decisions[3:] for e in d.effects]
    # Reading the merge commit's runs is not syncing: it keeps the resume point right.
    assert later == ["reread_workflow_runs"]


def test_autotask_on_again_removes_the_label_and_resumes_where_it_stopped():
    result = with_issue().then(snapshot(auto=False), pr(), pr(action="closed", merged=True), run(1))
    result.then(snapshot(auto=True))
    kinds = [e.kind for e in result.last.effects]
    assert kinds[0] == "remove_label" and result.last.effects[0].key.endswith(":r1")
    assert "complete_asana_task" in kinds  # the verdict reached while paused is acted on now
    assert result.state.status is S.DEPLOYED and not result.state.paused


def test_autotask_off_before_the_issue_creates_nothing_and_on_creates_it():
    result = play(snapshot(auto=False))
    assert result.effects == [] and result.state.status is S.AUTO_DISABLED
    result.then(snapshot(auto=True))
    assert result.kinds() == ["create_issue"]


def test_an_issue_landing_while_paused_is_labelled_and_opencode_waits():
    result = play(snapshot(), snapshot(auto=False), issue_created())
    assert [e.kind for e in result.last.effects] == ["add_label", "comment_on_issue"]
    assert result.last.effects[1].purpose == "paused"
    result.then(snapshot(auto=True))
    assert [e.kind for e in result.last.effects] == [
        "remove_label",
        "comment_on_issue",
        "post_asana_story",
    ]
    assert result.last.effects[1].purpose == "opencode"


def test_a_second_pause_gets_its_own_keys():
    result = with_issue().then(snapshot(auto=False), snapshot(auto=True), snapshot(auto=False))
    adds = [k for k in result.keys() if ":label:add:" in k]
    assert adds == ["task:7:label:add:autoflow:paused:r1", "task:7:label:add:autoflow:paused:r2"]


def test_cancelled_closes_the_issue_as_not_planned_and_stops():
    result = with_issue().then(snapshot(status=ST_CANCELLED))
    (close,) = result.last.effects
    assert (close.kind, close.number, close.state_reason) == ("close_issue", 12, "not_planned")
    result.then(done(close), pr(), snapshot(status=ST_CANCELLED))
    assert result.state.status is S.CANCELLED and result.state.issue_state == "closed"
    assert [e.kind for d in result.decisions[3:] for e in d.effects] == []


def test_cancelled_before_the_issue_never_creates_it():
    result = play(snapshot(status=ST_CANCELLED))
    assert result.effects == [] and result.state.status is S.CANCELLED


def test_an_issue_landing_after_cancel_is_closed():
    result = play(snapshot(), snapshot(status=ST_CANCELLED), issue_created())
    assert [e.kind for e in result.last.effects] == ["close_issue"]


def test_someone_reopening_a_cancelled_tasks_issue_is_not_overruled():
    result = with_issue().then(snapshot(status=ST_CANCELLED))
    result.then(done(result.last.effects[0]), IssueFact("reopened", REPO, 12, sender="ann"))
    result.then(snapshot(status=ST_CANCELLED))
    assert result.last.effects == ()


def test_back_to_active_after_cancel_reopens_the_issue_we_closed_and_resumes():
    result = with_issue().then(snapshot(status=ST_CANCELLED))
    result.then(done(result.last.effects[0]), snapshot(status=ST_ACTIVE))
    assert [e.kind for e in result.last.effects] == ["reopen_issue"]
    assert result.state.status is S.ISSUE_CREATED


def test_blocked_only_marks_and_active_resumes():
    result = happy_until_merge().then(snapshot(status=ST_BLOCKED), run(1))
    assert result.state.status is S.BLOCKED
    assert [e.kind for d in result.decisions[4:] for e in d.effects] == []
    result.then(snapshot(status=ST_ACTIVE))
    assert result.state.status is S.DEPLOYED
    assert "complete_asana_task" in [e.kind for e in result.last.effects]


def test_blocked_before_the_issue_holds_the_creation_until_active():
    result = play(snapshot(status=ST_BLOCKED))
    assert result.effects == [] and result.state.status is S.BLOCKED
    result.then(snapshot())
    assert result.kinds() == ["create_issue"]
