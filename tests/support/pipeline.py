"""The whole loop for end-to-end tests: the sandbox (in the test's event loop), the demo project
configured against it, `autoflow web` and a queue worker as real processes, and every webhook
set up through our own code, so deliveries travel over real HTTP both ways."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from app.db.engine import fetch
from app.demo import seed_extra_repos, setup_demo
from app.integrations.asana.client import AsanaClient
from app.sandbox.runner import Sandbox
from app.services import project_hooks
from app.services.project_clients import ProjectClients
from app.services.projects import get_by_slug
from app.settings import Settings
from tests.browser.conftest import launch_web
from tests.support.processes import start_worker, stop, until


@dataclass
class Loop:
    sandbox: Sandbox
    project_id: int
    settings: Settings
    database_url: str
    tmp_path: Path
    asana: AsanaClient
    worker: subprocess.Popen | None = None

    @property
    def repo(self) -> str:
        return self.sandbox.seed.repo

    def worker_env(self) -> dict[str, str]:
        return {
            "AUTOFLOW_ASANA_API_URL": self.sandbox.asana.base_url,
            "AUTOFLOW_GITHUB_API_URL": self.sandbox.github.base_url,
        }

    def start_worker(self, name: str = "pipeline") -> subprocess.Popen:
        self.worker = start_worker(name, self.database_url, self.tmp_path, **self.worker_env())
        return self.worker

    async def create_task(
        self, name: str, *, autotask: bool = True, repo_option: str | None = None
    ) -> str:
        """Create a task as a person would in Asana; the Repo option defaults to the demo
        repository's."""
        seed = self.sandbox.seed
        fields: dict[str, Any] = {seed.repo_field_gid: repo_option or seed.repo_option_gid}
        if autotask:
            fields[seed.autotask_field_gid] = seed.autotask_yes_gid
        task = await self.asana.create_task(
            seed.project_gid, name, notes="Export the report as CSV.", custom_fields=fields
        )
        return task.gid

    async def task_row(self, asana_gid: str) -> dict[str, Any] | None:
        rows = await fetch(
            "SELECT * FROM tasks WHERE project = $1 AND asana_gid = $2", self.project_id, asana_gid
        )
        return rows[0] if rows else None

    async def until_status(self, asana_gid: str, *statuses: str) -> dict[str, Any]:
        async def reached() -> bool:
            row = await self.task_row(asana_gid)
            return row is not None and row["status"] in statuses

        await until(reached, f"the task to reach {' or '.join(statuses)}")
        row = await self.task_row(asana_gid)
        assert row is not None
        return row

    def issues_of(self, task_id: int) -> list[Any]:
        marker = f"<!-- autoflow:task:{task_id} -->"
        repo = self.sandbox.github.world.repos[self.repo.lower()]
        return [issue for issue in repo.issues.values() if marker in issue.body]

    def comments_on(self, number: int) -> list[Any]:
        return self.sandbox.github.world.repos[self.repo.lower()].issues[number].comments

    def asana_task(self, gid: str) -> Any:
        return self.sandbox.asana.world.tasks[gid]

    async def events(self, task_id: int) -> list[str]:
        rows = await fetch(
            "SELECT event_type FROM task_events WHERE task = $1 ORDER BY id", task_id
        )
        return [row["event_type"] for row in rows]


@contextlib.asynccontextmanager
async def running_loop(
    sandbox: Sandbox, settings: Settings, database_url: str, tmp_path: Path
) -> AsyncIterator[Loop]:
    """The demo project, the web process and its hooks; the caller starts worker(s)."""
    seed_extra_repos(sandbox)
    urls = {"asana_api_url": sandbox.asana.base_url, "github_api_url": sandbox.github.base_url}
    login = await setup_demo(settings.replace(**urls), sandbox.seed)
    project = await get_by_slug(login.slug)
    assert project is not None
    loop_settings: Settings | None = None
    async with (
        launch_web(
            database_url,
            tmp_path,
            AUTOFLOW_ASANA_API_URL=sandbox.asana.base_url,
            AUTOFLOW_GITHUB_API_URL=sandbox.github.base_url,
        ) as web,
        aiohttp.ClientSession() as http,
    ):
        loop_settings = settings.replace(public_url=web.url, **urls)
        outcome = await project_hooks.set_up_all(ProjectClients(project["id"], http, loop_settings))
        assert outcome.ok, outcome
        loop = Loop(
            sandbox,
            project["id"],
            loop_settings,
            database_url,
            tmp_path,
            sandbox.asana_client(http),
        )
        try:
            yield loop
        finally:
            stop(loop.worker)
