"""The Tasks tab at scale: 100,000 tasks and 1,000,000 timeline events in one project, then the
server time of the dashboard (first page, a filtered page, page 400) and of a task page with 500
events, beside a trivial route; and the query plans of the list.

    .venv/bin/python -m tests.bench.tasks [--tasks 100000] [--events 1000000] [--requests 40]

Runs in a database of its own on the test server (TEST_DATABASE_URL or the embedded one),
dropped afterwards. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from app.db import engine
from app.db.engine import fetch
from app.main import create_app
from app.services.projects import create_project
from app.services.task_queries import Cursor
from app.services.users import create_user
from app.settings import Settings
from tests.support import database
from tests.support.web import Visitor

PASSWORD = "correct horse battery"
STATUSES = [
    "DEPLOYED",
    "DEPLOYED",
    "DEPLOYED",
    "WAITING_CI",
    "PR_CREATED",
    "ISSUE_CREATED",
    "FAILED",
    "NEEDS_REPO",
    "AUTO_DISABLED",
    "CANCELLED",
    "BLOCKED",
    "RECEIVED",
]


async def seed(project_id: int, tasks: int, events: int) -> int:
    """Tasks with a spread of statuses and update times, and their events; returns the id of
    the task that carries 500 events."""
    repo = await fetch(
        "INSERT INTO project_github_repos (project, full_name, is_default, position)"
        " VALUES ($1, 'bench/api', true, 0) RETURNING id",
        project_id,
    )
    await fetch(
        """
        INSERT INTO tasks (project, asana_gid, title, status, asana_status, auto_enabled, repo,
                           issue_number, completed_by_us, state, created_at, updated_at)
        SELECT $1, (10000000 + n)::text, 'Routine chore ' || n || ' for the storefront',
               ($3::text[])[1 + n % array_length($3::text[], 1)], 'ACTIVE', true, $4, n,
               false, '{}'::jsonb, now() - n * interval '1 minute',
               now() - n * interval '1 minute'
          FROM generate_series(1, $2) AS n
        """,
        project_id,
        tasks,
        STATUSES,
        repo[0]["id"],
    )
    busy = (await fetch("SELECT min(id) AS id FROM tasks WHERE project = $1", project_id))[0]["id"]
    await fetch(
        """
        INSERT INTO task_events (task, project, source, event_type, ref_json, created_at)
        SELECT $2, $1, 'system', 'effect.planned', jsonb_build_object('kind', 'step_' || n),
               now() - n * interval '1 second'
          FROM generate_series(1, 500) AS n
        """,
        project_id,
        busy,
    )
    await fetch(
        """
        INSERT INTO task_events (task, project, source, event_type, ref_json, created_at)
        SELECT t.id, $1, 'github', 'ci.updated', '{"status": "completed"}'::jsonb, t.updated_at
          FROM tasks t, generate_series(1, $2::int) AS k
         WHERE t.project = $1 AND t.id <> $3
        """,
        project_id,
        max(0, -(-(events - 500) // max(1, tasks - 1))),  # rounded up
        busy,
    )
    # What autovacuum keeps true in a live database: statistics and a visibility map.
    await fetch("VACUUM ANALYZE tasks")
    await fetch("VACUUM ANALYZE task_events")
    return busy


async def timed(browser: Visitor, path: str, count: int) -> dict[str, float]:
    samples = []
    await browser.get(path)  # warm: templates compiled, statements prepared
    for _ in range(count):
        # The raw client: the time is the server's, not spent parsing the HTML here.
        started = time.perf_counter()
        response = await browser.client.get(path, scope_base=browser.scope)
        await response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": samples[min(len(samples) - 1, int(0.95 * len(samples)))],
    }


async def explain(sql: str, *args: object) -> str:
    rows = await fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", *args)
    return "\n".join("    " + row["QUERY PLAN"] for row in rows)


async def main(tasks: int, events: int, requests: int) -> None:
    base = Settings.from_env()
    server = database.server_dsn(base.test_database_url)
    template = await database.create_template(server)
    name = await database.clone(server, template)
    dsn = database.with_database(server, name)
    try:
        engine.configure(dsn)
        await engine.open_pool()
        user = await create_user("bench", PASSWORD, is_admin=True)
        project = await create_project("bench", "Bench", user.id)
        started = time.perf_counter()
        busy = await seed(project.id, tasks, events)
        counted = await fetch("SELECT count(*) AS n FROM task_events")
        print(
            f"seeded {tasks} tasks, {counted[0]['n']} events in {time.perf_counter() - started:.1f} s"
        )
        # Page 400 of 25: the cursor of the 9,975th row, as the pager's link would carry it.
        row = await fetch(
            "SELECT updated_at, id FROM tasks WHERE project = $1"
            " ORDER BY updated_at DESC, id DESC OFFSET $2 LIMIT 1",
            project.id,
            min(9974, tasks - 1),
        )
        cursor = Cursor(row[0]["updated_at"], row[0]["id"]).encode()
        await engine.close_pool()

        settings = Settings.from_env(
            {"DATABASE_URL": dsn, "AUTOFLOW_DATA_DIR": str(Path(tempfile.mkdtemp()) / "data")}
        )
        app = create_app(settings)
        async with app.test_app():
            browser = Visitor(app.test_client())
            assert (await browser.login("bench", PASSWORD)).status == 303
            routes = {
                "trivial (/healthz)": "/healthz",
                "dashboard, first page": "/p/bench",
                "dashboard, filtered": "/p/bench?status=FAILED&status=BLOCKED&q=chore+7",
                "dashboard, page 400": "/p/bench?after=" + cursor.replace("+", "%2B"),
                "task page, 500 events": f"/p/bench/t/{busy}",
            }
            for label, path in routes.items():
                figures = await timed(browser, path, requests)
                print(
                    f"{label:28} p50 {figures['p50_ms']:6.1f} ms   p95 {figures['p95_ms']:6.1f} ms"
                )

            print("\nplan: first page")
            print(
                await explain(
                    "SELECT id FROM tasks WHERE project = $1"
                    " ORDER BY updated_at DESC, id DESC LIMIT 26",
                    project.id,
                )
            )
            print("plan: page 400")
            print(
                await explain(
                    "SELECT id FROM tasks WHERE project = $1 AND (updated_at, id) < ($2, $3)"
                    " ORDER BY updated_at DESC, id DESC LIMIT 26",
                    project.id,
                    row[0]["updated_at"],
                    row[0]["id"],
                )
            )
            print("plan: counts per status")
            print(
                await explain(
                    "SELECT status, count(*) FROM tasks WHERE project = $1 GROUP BY status",
                    project.id,
                )
            )
            print("plan: a task's newest timeline page")
            print(
                await explain(
                    "SELECT id FROM task_events WHERE task = $1 ORDER BY id DESC LIMIT 101", busy
                )
            )
            print("plan: two statuses and a title search")
            print(
                await explain(
                    "SELECT id FROM tasks WHERE project = $1 AND status = ANY($2::varchar[])"
                    " AND title ILIKE $3 ORDER BY updated_at DESC, id DESC LIMIT 26",
                    project.id,
                    ["FAILED", "BLOCKED"],
                    "%chore 7%",
                )
            )
    finally:
        await engine.close_pool()
        await database.drop(server, name)
        await database.drop(server, template)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.events, args.requests))
