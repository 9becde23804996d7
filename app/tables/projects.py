"""Projects, who may do what in them, and invitations to join them.

Invite tokens are stored as SHA-256 digests, never in clear."""

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.auth import User


class Project(Table, tablename="projects"):
    slug = Varchar(length=48, unique=True)
    name = Varchar(length=120)
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ProjectMembership(Table, tablename="project_memberships"):
    # (project, user) is unique and role is one of admin/editor/viewer: both enforced by
    # constraints added in the migration.
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False)
    role = Varchar(length=16)
    created_at = Timestamptz(default=TimestamptzNow())


class Invite(Table, tablename="invites"):
    token_hash = Varchar(length=64, unique=True)
    project = ForeignKey(references=Project, null=False, on_delete=OnDelete.cascade)
    role = Varchar(length=16)
    created_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(index=True)
    used_at = Timestamptz(null=True, default=None)
    used_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
