"""Per-project secrets, encrypted at rest (see app/crypto.py); never stored in clear."""

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.auth import User
from app.tables.projects import Project


class ProjectSecret(Table, tablename="project_secrets"):
    # (project, name) is unique: a constraint added in the migration.
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=64)
    ciphertext = Text()
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
