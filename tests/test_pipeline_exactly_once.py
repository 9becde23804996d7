"""Effects happen exactly once: duplicated deliveries and two workers at once give one issue
and one `/opencode` comment, and a worker SIGKILLed after GitHub created the issue but before
we recorded it gives no second issue (the retry finds the first by its marker)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time

import asyncpg
import pytest
from procrastinate.exceptions import AlreadyEnqueued

from app.db.engine import fetch
from tests.support.pipeline import running_loop
from tests.support.processes import start_worker, stop, until
from tests.support.worker_process import build_test_queue

pytestmark = pytest.mark.slow

REQUEUE_TASK = "maintenance:app.jobs.maintenance.requeue_stalled_jobs"


def opencode_comments(loop, number: int) -> list:
    return [c for c in loop.comments_on(number) if "/opencode implement" in c.body]


async def test_duplicated_deliveries_and_two_workers_give_one_issue_and_one_comment(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        sandbox.asana.faults.duplicate_deliveries = 20
        sandbox.github.faults.duplicate_deliveries = 20
        loop.start_worker("one")
        other = start_worker("two", database_url, tmp_path, **loop.worker_env())
        try:
            gid = await loop.create_task("Add XLSX export")
            row = await loop.until_status(gid, "PR_CREATED")
            # And someone presses "Redeliver" on every issue event in GitHub's UI.
            for record in list(sandbox.github.sender.log):
                if record.headers.get("X-GitHub-Event") in ("issues", "issue_comment"):
                    sandbox.github.redeliver(record.headers["X-GitHub-Delivery"])
            await sandbox.settle()
            await asyncio.sleep(1)  # time for any (wrongly) planned second effect to show
        finally:
            stop(other)
        assert len(loop.issues_of(row["id"])) == 1
        assert len(opencode_comments(loop, row["issue_number"])) == 1
        stories = [s.text for s in loop.asana_task(gid).stories]
        assert len([s for s in stories if "opened GitHub issue" in s]) == 1
        assert len(sandbox.github.world.repos[loop.repo.lower()].pulls) == 1


async def test_a_worker_killed_after_github_created_the_issue_gives_no_second_issue(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        # GitHub takes a moment to create the issue: long enough for the test to hold the
        # outbox row, so that the worker, once GitHub has answered, cannot record the result.
        sandbox.github.faults.slow_next(
            1, delay_seconds=2.0, path=f"/repos/{loop.repo}/issues", method="POST"
        )
        first = loop.start_worker("first")
        gid = await loop.create_task("Add JSON export")

        async def create_started() -> bool:
            rows = await fetch(
                "SELECT attempts FROM task_effects WHERE kind = 'create_issue' AND status = 'planned'"
            )
            return bool(rows) and rows[0]["attempts"] >= 1

        await until(create_started, "the create_issue effect to start")
        holder = await asyncpg.connect(database_url)
        try:
            blocker = holder.transaction()
            await blocker.start()
            await holder.execute(
                "SELECT 1 FROM task_effects WHERE kind = 'create_issue' FOR UPDATE"
            )
            row = await loop.task_row(gid)

            async def created_at_github() -> bool:
                return len(loop.issues_of(row["id"])) == 1

            await until(created_at_github, "GitHub to create the issue")
            await asyncio.sleep(0.5)  # the worker now waits to record it
            first.send_signal(signal.SIGKILL)
            first.wait()
            await blocker.rollback()
        finally:
            await holder.close()
        [effect] = await fetch("SELECT status FROM task_effects WHERE kind = 'create_issue'")
        assert effect["status"] == "planned"  # the dead worker never recorded it

        loop.start_worker("second")
        queue = build_test_queue(database_url)
        async with queue.open_async():

            async def recovered() -> bool:
                # The periodic requeue of a dead worker's jobs, run now.
                with contextlib.suppress(AlreadyEnqueued):
                    await queue.configure_task(REQUEUE_TASK).defer_async(timestamp=int(time.time()))
                await asyncio.sleep(0.5)
                current = await loop.task_row(gid)
                return current["status"] == "PR_CREATED"

            await until(recovered, "the task to recover and reach PR_CREATED")
        assert len(loop.issues_of(row["id"])) == 1
        [effect] = await fetch(
            "SELECT status, attempts, result FROM task_effects WHERE kind = 'create_issue'"
        )
        assert effect["status"] == "done" and effect["attempts"] == 2
        assert '"found": true' in effect["result"]
        assert len(opencode_comments(loop, (await loop.task_row(gid))["issue_number"])) == 1
