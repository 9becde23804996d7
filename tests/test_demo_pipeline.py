"""`autoflow demo` with nothing else started and nothing pressed: it sets up its own webhooks
against the sandbox, so a task created in the sandbox's Asana with AutoTask on is carried to an
issue, the agent's PR (merged by the sandbox's autopilot), green CI, DEPLOYED, and completed in
Asana."""

from __future__ import annotations

import asyncio

import aiohttp
import asyncpg
import pytest

from app.integrations.asana.client import AsanaClient
from app.sandbox.runner import ASANA_TOKEN
from tests.support.demo_process import PATIENCE_SECONDS, running_demo


async def _status(database_url: str, name: str) -> str | None:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval("SELECT status FROM tasks WHERE title = $1", name)
    finally:
        await connection.close()


@pytest.mark.slow
async def test_the_demo_carries_a_new_asana_task_to_deployed_with_no_human_step(
    database_url, tmp_path
):
    async with running_demo(database_url, tmp_path) as demo, aiohttp.ClientSession() as http:
        asana = AsanaClient(http, ASANA_TOKEN, base_url=demo.asana_url())
        [workspace] = await asana.list_workspaces()
        [project] = await asana.list_projects(workspace.gid)
        fields = {f.name: f for f in await asana.list_project_custom_fields(project.gid)}
        yes = next(o for o in fields["AutoTask"].enum_options if o.name == "Yes")
        repo = next(o for o in fields["Repo"].enum_options if o.name == "sandbox-org/demo")
        # The webhooks are being set up by the worker: create the task once they exist.
        for _ in range(PATIENCE_SECONDS * 10):
            if await asana.list_webhooks(workspace.gid, resource_gid=project.gid):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # the handshake completes while the create call returns
        name = "Try the demo"
        created = await asana.create_task(
            project.gid,
            name,
            notes="Make the demo do something.",
            custom_fields={fields["AutoTask"].gid: yes.gid, fields["Repo"].gid: repo.gid},
        )
        reached = None
        for _ in range(PATIENCE_SECONDS * 10):
            demo.assert_alive()
            reached = await _status(database_url, name)
            # The autopilot merges the agent's PR and passes CI on the merge commit.
            if reached == "DEPLOYED":
                break
            await asyncio.sleep(0.1)
        assert reached == "DEPLOYED", (reached, demo.output())
        for _ in range(PATIENCE_SECONDS * 10):
            if (await asana.get_task(created.gid)).completed:
                break
            await asyncio.sleep(0.1)
        assert (await asana.get_task(created.gid)).completed
