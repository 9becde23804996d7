"""Projects and memberships: creation, listing, and who holds which role where."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from app.db.engine import DB
from app.services.text import storable
from app.tables import Project, ProjectMembership

SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?")
MAX_NAME_LENGTH = 120


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class Action(StrEnum):
    """What a member may do in a project; each role adds to the one below it.

    - viewer: READ every page of the project (tasks, settings masked, webhooks, members).
    - editor: also ACT_ON_TASKS: retry, resync, force a PR link, change a task's repo, add
      notes to a task, create a task.
    - admin: also ADMINISTER: settings, secrets, webhooks, members and invites, API tokens.
    """

    READ = "read"
    ACT_ON_TASKS = "act on tasks"
    ADMINISTER = "administer"


NEEDED_ROLE = {
    Action.READ: Role.VIEWER,
    Action.ACT_ON_TASKS: Role.EDITOR,
    Action.ADMINISTER: Role.ADMIN,
}


def permits(role: Role, action: Action) -> bool:
    """Whether a member with this role may do this: the one place the roles are decided."""
    return role.allows(NEEDED_ROLE[action])


class ProjectProblem(ValueError):
    """Input we refuse, with a message fit to show next to the form."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ProjectAccess:
    """A project as one member sees it."""

    id: int
    slug: str
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_edit(self) -> bool:
        return permits(self.role, Action.ACT_ON_TASKS)

    def may(self, action: Action) -> bool:
        return permits(self.role, action)


def slug_problem(slug: str) -> str | None:
    if not SLUG_PATTERN.fullmatch(slug):
        return "Use 1–48 lowercase letters, digits or dashes; start and end with a letter or digit."
    return None


def name_problem(name: str) -> str | None:
    if not name:
        return "Give the project a name."
    if len(name) > MAX_NAME_LENGTH:
        return f"Keep the name under {MAX_NAME_LENGTH} characters."
    if not storable(name):
        return "The name holds a character that cannot be stored (NUL or a lone surrogate)."
    return None


async def create_project(slug: str, name: str, creator_id: int) -> ProjectAccess:
    """Create a project with its creator as admin; raises ProjectProblem on bad input."""
    slug, name = slug.strip().lower(), name.strip()
    problem = slug_problem(slug)
    if problem:
        raise ProjectProblem(problem, "slug")
    problem = name_problem(name)
    if problem:
        raise ProjectProblem(problem, "name")
    try:
        async with DB.transaction():
            rows = await Project.insert(
                Project(slug=slug, name=name, created_by=creator_id)
            ).returning(Project.id)
            project_id = rows[0]["id"]
            await ProjectMembership.insert(
                ProjectMembership(project=project_id, user=creator_id, role=Role.ADMIN.value)
            )
    except asyncpg.UniqueViolationError:
        raise ProjectProblem(f"The slug “{slug}” is taken.", "slug") from None
    return ProjectAccess(id=project_id, slug=slug, name=name, role=Role.ADMIN)


async def rename_project(project_id: int, name: str) -> str:
    """Change the project's display name (the slug, part of every URL, never changes)."""
    name = name.strip()
    if problem := name_problem(name):
        raise ProjectProblem(problem, "name")
    await Project.update({Project.name: name}).where(Project.id == project_id)
    return name


async def projects_for(user_id: int) -> list[ProjectAccess]:
    rows = (
        await ProjectMembership.select(
            ProjectMembership.project.id.as_alias("id"),
            ProjectMembership.project.slug.as_alias("slug"),
            ProjectMembership.project.name.as_alias("name"),
            ProjectMembership.role,
        )
        .where(ProjectMembership.user == user_id)
        .order_by(ProjectMembership.project.name)
    )
    return [
        ProjectAccess(id=r["id"], slug=r["slug"], name=r["name"], role=Role(r["role"]))
        for r in rows
    ]


async def access_for(slug: str, user_id: int) -> ProjectAccess | None:
    """The project with this slug as the user sees it; None if it does not exist *or* the
    user is not a member (callers answer 404 either way, revealing nothing)."""
    row = (
        await ProjectMembership.select(
            ProjectMembership.project.id.as_alias("id"),
            ProjectMembership.project.slug.as_alias("slug"),
            ProjectMembership.project.name.as_alias("name"),
            ProjectMembership.role,
        )
        .where((ProjectMembership.project.slug == slug) & (ProjectMembership.user == user_id))
        .first()
    )
    if row is None:
        return None
    return ProjectAccess(id=row["id"], slug=row["slug"], name=row["name"], role=Role(row["role"]))


async def get_by_slug(slug: str) -> dict | None:
    return (
        await Project.select(Project.id, Project.slug, Project.name)
        .where(Project.slug == slug)
        .first()
    )
