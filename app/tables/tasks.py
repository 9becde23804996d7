"""The pipeline's data: tasks and their versioned TaskSpecs, the timeline, the effects outbox and
the CI runs seen per commit.

Constraints Piccolo cannot say (unique pairs, checks, partial and descending indexes) are added by
the raw migration that follows the tables' own.
"""

from piccolo.columns import (
    JSONB,
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.project_config import ProjectGithubRepo
from app.tables.projects import Project


class Task(Table, tablename="tasks"):
    """One Asana task as the pipeline follows it. (project, asana_gid) is unique."""

    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    asana_gid = Varchar(length=32)
    title = Text(default="")
    status = Varchar(length=24, default="RECEIVED")
    asana_status = Varchar(length=16, default="ACTIVE")
    auto_enabled = Boolean(default=False)
    # A repo removed from the project leaves the task without one (NEEDS_REPO on its next fact).
    repo = ForeignKey(references=ProjectGithubRepo, on_delete=OnDelete.set_null, null=True)
    issue_number = Integer(null=True, default=None)
    issue_url = Text(null=True, default=None)
    pr_number = Integer(null=True, default=None)
    pr_url = Text(null=True, default=None)
    ci_url = Text(null=True, default=None)
    merge_commit_sha = Varchar(length=40, null=True, default=None)
    completed_by_us = Boolean(default=False)
    # The pure core's whole state, as its own codec writes it; the columns above are what pages
    # and queries read, refreshed from it on every transition.
    state = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TaskSpec(Table, tablename="taskspecs"):
    """What the issue asks for; a new version when the Asana title or notes change.
    (task, version) is unique."""

    task = ForeignKey(references=Task, on_delete=OnDelete.cascade, null=False)
    version = Integer(default=1)
    title = Text(default="")
    body = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class TaskEvent(Table, tablename="task_events"):
    """The timeline: every transition and effect, with a safe summary (never free text)."""

    id = BigSerial(primary_key=True)
    task = ForeignKey(references=Task, on_delete=OnDelete.cascade, null=False)
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    source = Varchar(length=16)  # asana, github, system, user, api
    event_type = Varchar(length=64)
    ref_json = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class TaskEffect(Table, tablename="task_effects"):
    """The outbox: one row per effect the core planned. `idempotency_key` is unique, so a fact
    decided twice plans nothing new; `planned` rows are performed by `perform_effect`."""

    id = BigSerial(primary_key=True)
    task = ForeignKey(references=Task, on_delete=OnDelete.cascade, null=False)
    idempotency_key = Varchar(length=200, unique=True)
    kind = Varchar(length=40)
    payload = JSONB(default={})
    status = Varchar(length=16, default="planned")  # planned, done, failed
    attempts = Integer(default=0)
    result = JSONB(null=True, default=None)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)


class CiRun(Table, tablename="ci_runs"):
    """The latest attempt of each workflow on a commit: (project, repo, head_sha, workflow_id)
    is unique. Runs on a merge commit often arrive before the merge event; they wait here."""

    id = BigSerial(primary_key=True)
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    repo = Varchar(length=200)
    head_sha = Varchar(length=40)
    workflow_id = BigInt()
    workflow_name = Varchar(length=200, default="")
    run_id = BigInt()
    run_number = Integer(null=True, default=None)
    attempt = Integer(default=1)
    event = Varchar(length=40, default="")
    status = Varchar(length=24, default="")
    conclusion = Varchar(length=24, null=True, default=None)
    url = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
