"""Rules 1 and 2 (Asana side): a snapshot is judged by the task's current fields; an issue is
created only when AutoTask is on, the repo resolves and the status is not CANCELLED."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.pipeline import PipelineStatus
from app.pipeline.effects import CreateIssue
from app.pipeline.status import AsanaStatus
from tests.pipeline.cast import (
    OPT_ALIAS,
    OPT_API,
    OPT_UNMAPPED,
    RULES,
    ST_ACTIVE,
    ST_BLOCKED,
    ST_CANCELLED,
    play,
    snapshot,
)

S = PipelineStatus
FIRST_SNAPSHOT = [
    # id, snapshot arguments, rules changes, status, creates the issue, repo, reason contains
    ("autotask-on-repo-mapped", {}, {}, S.TASKSPEC_CREATED, True, "acme/web", ""),
    ("repo-by-option-name", {"repo": OPT_API}, {}, S.TASKSPEC_CREATED, True, "acme/api", ""),
    ("repo-by-override", {"repo": OPT_ALIAS}, {}, S.TASKSPEC_CREATED, True, "acme/api", ""),
    ("status-active-option", {"status": ST_ACTIVE}, {}, S.TASKSPEC_CREATED, True, "acme/web", ""),
    ("autotask-off", {"auto": False}, {}, S.AUTO_DISABLED, False, "acme/web", "AutoTask"),
    ("cancelled", {"status": ST_CANCELLED}, {}, S.CANCELLED, False, "acme/web", "Cancelled"),
    ("blocked", {"status": ST_BLOCKED}, {}, S.BLOCKED, False, "acme/web", "Blocked"),
    ("no-repo-no-default", {"repo": None}, {}, S.NEEDS_REPO, False, None, "no Repo chosen"),
    ("unmapped-option", {"repo": OPT_UNMAPPED}, {}, S.NEEDS_REPO, False, None, "'Website'"),
    (
        "unmapped-option-ignores-default",
        {"repo": OPT_UNMAPPED},
        {"default_repo": "acme/docs"},
        S.NEEDS_REPO,
        False,
        None,
        "maps to no project repository",
    ),
    (
        "empty-repo-uses-default",
        {"repo": None},
        {"default_repo": "acme/docs"},
        S.TASKSPEC_CREATED,
        True,
        "acme/docs",
        "",
    ),
    (
        "no-repo-field-configured",
        {},
        {"repo_field_gid": None},
        S.NEEDS_REPO,
        False,
        None,
        "no Repo field",
    ),
    (
        "autotask-not-configured",
        {},
        {"autotask_on_option_gid": None},
        S.AUTO_DISABLED,
        False,
        "acme/web",
        "AutoTask",
    ),
    (
        "left-the-project",
        {"projects": ("p9",)},
        {},
        S.AUTO_DISABLED,
        False,
        "acme/web",
        "left the project",
    ),
    ("off-and-no-repo", {"auto": False, "repo": None}, {}, S.AUTO_DISABLED, False, None, "off"),
]


@pytest.mark.parametrize(
    "snap,rules,status,creates,repo,reason",
    [row[1:] for row in FIRST_SNAPSHOT],
    ids=[row[0] for row in FIRST_SNAPSHOT],
)
def test_the_first_snapshot_is_judged_by_its_fields(snap, rules, status, creates, repo, reason):
    result = play(snapshot(**snap), rules=replace(RULES, **rules))
    assert result.state.status is status
    assert reason in result.state.status_reason
    assert result.state.repo == repo
    assert result.kinds() == (["create_issue"] if creates else [])
    changed = [e for e in result.events if e.event_type.value == "task.status_changed"]
    assert changed[-1].ref == {
        "from": "RECEIVED",
        "to": status.value,
        "reason": result.state.status_reason,
    }


def test_needs_repo_writes_the_reason_on_the_timeline():
    result = play(snapshot(repo=OPT_UNMAPPED))
    missing = [e for e in result.events if e.event_type.value == "task.repo_missing"]
    assert "maps to no project repository" in missing[0].ref["reason"]


def test_the_issue_is_created_once_a_repo_is_chosen_in_asana():
    result = play(snapshot(repo=None), snapshot())
    assert result.state.status is S.TASKSPEC_CREATED
    assert result.kinds() == ["create_issue"]
    assert "task.repo_resolved" in result.event_types()


def test_the_create_issue_effect_carries_the_taskspec_and_the_marker():
    effect = play(snapshot()).effects[0]
    assert isinstance(effect, CreateIssue)
    assert effect.key == "task:7:create_issue"
    assert effect.repo == "acme/web" and effect.title == "Add a login page"
    assert effect.marker == "<!-- autoflow:task:7 -->" and effect.body.rstrip().endswith(
        effect.marker
    )


def test_a_repeated_snapshot_plans_nothing_and_writes_nothing():
    result = play(snapshot(), snapshot())
    assert result.last.effects == () and result.last.events == ()


def test_a_webhook_snapshot_records_its_delivery():
    result = play(snapshot(delivery_id="d-1"))
    received = result.events[0]
    assert received.event_type.value == "asana.webhook_received"
    assert received.ref["delivery_id"] == "d-1"


def test_the_first_snapshot_creates_taskspec_version_one_and_a_change_makes_version_two():
    result = play(snapshot(), snapshot(notes="Users need to sign in with SSO."))
    assert result.decisions[0].taskspec.version == 1
    assert result.last.taskspec.version == 2
    assert result.state.taskspec_version == 2
    assert result.kinds() == ["create_issue"]  # the issue is not created again


def test_the_repo_is_fixed_once_the_issue_is_requested():
    result = play(snapshot(), snapshot(repo=OPT_API))
    assert result.state.repo == "acme/web"
    assert result.kinds() == ["create_issue"]


def test_a_snapshot_of_another_task_is_refused():
    result = play(replace(snapshot(), gid="999"))
    assert result.state.seen is False and result.effects == []
    assert result.events[0].event_type.value == "error"


def test_an_asana_completion_is_recorded():
    result = play(snapshot(completed=True))
    assert result.state.asana_completed is True and result.state.completed_by_us is False


def test_a_multi_enum_status_takes_the_most_restrictive_meaning():
    snap = snapshot(status=ST_BLOCKED)
    fields = dict(snap.fields)
    fields["f-status"] = fields["f-status"] + (replace(fields["f-status"][0], gid=ST_CANCELLED),)
    result = play(replace(snap, fields=fields))
    assert result.state.asana_status is AsanaStatus.CANCELLED
