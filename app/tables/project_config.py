"""A project's Asana and GitHub configuration (the tokens live in project_secrets).

Asana objects are stored by gid, never by name: names change, gids do not. Names are kept only
as labels for the settings page (`names`, `*_name`), refreshed whenever Asana is asked.
"""

from piccolo.columns import (
    JSONB,
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

from app.tables.projects import Project


class AsanaFieldConfig(Table, tablename="asana_field_config"):
    """One row per project: the workspace and the three custom fields.

    Asana has no checkbox type, so AutoTask is an enum (or multi_enum) field plus the option
    that means "on"."""

    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False, unique=True)
    workspace_gid = Varchar(length=32, null=True, default=None)
    autotask_field_gid = Varchar(length=32, null=True, default=None)
    autotask_on_option_gid = Varchar(length=32, null=True, default=None)
    repo_field_gid = Varchar(length=32, null=True, default=None)
    status_field_gid = Varchar(length=32, null=True, default=None)
    # gid -> name of everything above, as Asana last named it (labels only).
    names = JSONB(default="{}")
    updated_at = Timestamptz(default=TimestamptzNow())


class ProjectAsanaProject(Table, tablename="project_asana_projects"):
    # (project, asana_project_gid) is unique: a constraint added in the migration.
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    asana_project_gid = Varchar(length=32)
    name = Varchar(length=255, default="")
    position = Integer(default=0)


class AsanaStatusMap(Table, tablename="asana_status_map"):
    """What each option of the Status field means to the pipeline."""

    # (project, option_gid) is unique and status is ACTIVE/BLOCKED/CANCELLED: constraints.
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    option_gid = Varchar(length=32)
    option_name = Varchar(length=255, default="")
    status = Varchar(length=16)


class ProjectGithubRepo(Table, tablename="project_github_repos"):
    # (project, lower(full_name)) is unique, and at most one default per project: constraints.
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    full_name = Varchar(length=200)
    is_default = Boolean(default=False)
    position = Integer(default=0)


class AsanaRepoMap(Table, tablename="asana_repo_map"):
    """A manual override: this Repo option means that repository (otherwise an option named
    `owner/repo` maps to that repository by itself)."""

    # (project, option_gid) is unique: a constraint added in the migration.
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    option_gid = Varchar(length=32)
    option_name = Varchar(length=255, default="")
    repo = Varchar(length=200)


class IntegrationCheck(Table, tablename="integration_checks"):
    """The last outcome of talking to a service for a project: the integration status shows
    "failing" while the last error is newer than the last success."""

    # (project, service) is unique and service is asana/github: constraints.
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    service = Varchar(length=16)
    ok_at = Timestamptz(null=True, default=None)
    error = Text(null=True, default=None)
    error_at = Timestamptz(null=True, default=None)
