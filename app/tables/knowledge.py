"""What a project knows about itself: docs links, contacts and markdown notes. They go into the
Project Context block of every GitHub issue, and later into embeddings."""

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.auth import User
from app.tables.projects import Project


class ProjectLink(Table, tablename="project_links"):
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=32)  # docs, runbook, design, dashboard, other
    url = Varchar(length=2000)
    title = Varchar(length=200)
    tags = Varchar(length=500, default="")  # comma-separated, lowercase
    created_at = Timestamptz(default=TimestamptzNow())


class ProjectContact(Table, tablename="project_contacts"):
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    role = Varchar(length=100)
    name = Varchar(length=200)
    handle = Varchar(length=200, default="")  # @github, email, Slack handle...
    created_at = Timestamptz(default=TimestamptzNow())


class ProjectKnowledgeNote(Table, tablename="project_knowledge_notes"):
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    title = Varchar(length=200)
    markdown = Text()
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
