"""Factories for the Tasks tab's tests: tasks, their events and TaskSpecs, inserted through the
tables (no seed data), and a small cast: an admin who owns the project, an editor, a viewer."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest

from app.db.engine import fetch
from app.services.projects import ProjectAccess, Role
from app.services.users import UserRef
from app.tables import ProjectAsanaProject, ProjectGithubRepo, Task, TaskEvent, TaskSpec

_gids = itertools.count(1_000_001)
EPOCH = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class Cast:
    project: ProjectAccess
    admin: UserRef
    editor: UserRef
    viewer: UserRef


@pytest.fixture
async def cast(make_user, make_project, add_member) -> Cast:
    admin = await make_user("ada", is_admin=True)
    editor, viewer = await make_user("eddie"), await make_user("vera")
    project = await make_project(admin, slug="shop", name="Shop")
    await add_member(project, editor, Role.EDITOR)
    await add_member(project, viewer, Role.VIEWER)
    return Cast(project, admin, editor, viewer)


@pytest.fixture
def add_repos(database_url):
    async def add(project: ProjectAccess, *names: str) -> dict[str, int]:
        ids = {}
        for position, name in enumerate(names):
            rows = await ProjectGithubRepo.insert(
                ProjectGithubRepo(
                    project=project.id, full_name=name, is_default=position == 0, position=position
                )
            ).returning(ProjectGithubRepo.id)
            ids[name] = rows[0]["id"]
        return ids

    return add


@pytest.fixture
def add_asana_project(database_url):
    async def add(project: ProjectAccess, gid: str, name: str) -> None:
        await ProjectAsanaProject.insert(
            ProjectAsanaProject(project=project.id, asana_project_gid=gid, name=name)
        )

    return add


@pytest.fixture
def make_task(database_url):
    """Insert a task row; `updated_at` defaults to a fixed moment so ordering is explicit."""

    async def make(
        project: ProjectAccess,
        title: str = "A task",
        *,
        status: str = "RECEIVED",
        repo_id: int | None = None,
        updated_at: dt.datetime = EPOCH,
        state: dict[str, Any] | None = None,
        **columns: Any,
    ) -> int:
        gid = str(next(_gids))
        repo = None
        if repo_id is not None:
            found = await fetch("SELECT full_name FROM project_github_repos WHERE id = $1", repo_id)
            repo = found[0]["full_name"]
        # The core's state agrees with the columns, so an action decided on it keeps them.
        document = {
            "task_id": 0,
            "asana_gid": gid,
            "title": title,
            "status": status,
            "seen": True,
            "auto_enabled": status != "AUTO_DISABLED",
            "asana_status": status if status in ("BLOCKED", "CANCELLED") else "ACTIVE",
            "repo": repo,
            "issue_number": columns.get("issue_number"),
            "issue_url": columns.get("issue_url"),
            "issue_requested": columns.get("issue_number") is not None,
            "pr_number": columns.get("pr_number"),
            "pr_url": columns.get("pr_url"),
            **(state or {}),
        }
        rows = await Task.insert(
            Task(
                project=project.id,
                asana_gid=gid,
                title=title,
                status=status,
                repo=repo_id,
                state=json.dumps(document),
                created_at=updated_at,
                updated_at=updated_at,
                **columns,
            )
        ).returning(Task.id)
        task_id = rows[0]["id"]
        # The core's state names its own task (its effect keys and the issue marker use it).
        await fetch(
            "UPDATE tasks SET state = jsonb_set(state, '{task_id}', to_jsonb($1::int)) WHERE id = $1",
            task_id,
        )
        return task_id

    return make


@pytest.fixture
def add_event(database_url):
    async def add(
        project: ProjectAccess,
        task_id: int,
        event_type: str,
        source: str = "system",
        **ref: Any,
    ) -> None:
        await TaskEvent.insert(
            TaskEvent(
                task=task_id,
                project=project.id,
                source=source,
                event_type=event_type,
                ref_json=json.dumps(ref),
            )
        )

    return add


@pytest.fixture
def add_spec(database_url):
    async def add(task_id: int, version: int, title: str, body: str) -> None:
        await TaskSpec.insert(TaskSpec(task=task_id, version=version, title=title, body=body))

    return add


async def queued_jobs(task_name: str) -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT args, lock, status::text AS status FROM procrastinate_jobs"
        " WHERE task_name = $1 ORDER BY id",
        task_name,
    )
    for row in rows:
        if isinstance(row["args"], str):
            row["args"] = json.loads(row["args"])
    return rows
