"""Pipeline benchmark: `python -m tests.bench.pipeline [--tasks 20]`.

N tasks through the whole loop on the sandbox: `autoflow web` and `autoflow worker` as real
processes on their own embedded PostgreSQL, the sandbox in this process. Each task is created
in the sandbox's Asana with AutoTask on; the agent simulator answers the `/opencode` comment
with a PR; this script merges it and plays a green CI run (the autopilot's part). It prints
latencies measured from the database's own timestamps (webhook received -> issue created ->
`/opencode` comment posted; last CI run received -> DEPLOYED) and the API calls our processes
made per task, by service and endpoint. Not part of the test suite; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from app.db import engine
from app.db.embedded import EmbeddedPostgres
from app.db.engine import fetch
from app.db.migrate import apply_migrations
from app.demo import seed_extra_repos, setup_demo
from app.sandbox.runner import Sandbox
from app.services import project_hooks
from app.services.project_clients import ProjectClients
from app.services.projects import get_by_slug
from app.settings import Settings
from tests.bench.ingest import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
PATIENCE_SECONDS = 300
NUMBERS = re.compile(r"/\d+")


def count_calls(sandbox: Sandbox) -> collections.Counter:
    """Count every API request the sandboxes answer, by service, method and path shape (the
    fault middleware sees each one first)."""
    calls: collections.Counter = collections.Counter()
    for service, server in (("asana", sandbox.asana), ("github", sandbox.github)):
        take = server.faults.take

        def counting(method: str, path: str, _take=take, _service=service):
            calls[(_service, method, NUMBERS.sub("/{n}", path))] += 1
            return _take(method, path)

        server.faults.take = counting
    return calls


async def drive_task(sandbox: Sandbox, asana, name: str) -> str:
    """Create the task as a person would, then merge the agent's PR and pass CI."""
    seed = sandbox.seed
    task = await asana.create_task(
        seed.project_gid,
        name,
        notes="Benchmark task.",
        custom_fields={
            seed.autotask_field_gid: seed.autotask_yes_gid,
            seed.repo_field_gid: seed.repo_option_gid,
        },
    )
    pr = await wait_for(
        "SELECT pr_number FROM tasks WHERE asana_gid = $1 AND status = 'PR_CREATED'", task.gid
    )
    sha = sandbox.github.agent.merge(seed.repo, pr)
    await wait_for("SELECT 1 FROM tasks WHERE asana_gid = $1 AND status = 'WAITING_CI'", task.gid)
    sandbox.github.agent.complete_runs(seed.repo, sha, {"CI": "success"})
    await wait_for("SELECT 1 FROM tasks WHERE asana_gid = $1 AND status = 'DEPLOYED'", task.gid)
    return task.gid


async def wait_for(query: str, *args: object):
    for _ in range(PATIENCE_SECONDS * 20):
        rows = await fetch(query, *args)
        if rows:
            return next(iter(rows[0].values()))
        await asyncio.sleep(0.05)
    raise SystemExit(f"gave up waiting: {query} {args}")


LATENCIES = """
SELECT t.asana_gid,
       (SELECT min(received_at) FROM webhook_deliveries d
         WHERE d.source = 'asana' AND d.summary->>'resource' = t.asana_gid) AS received,
       (SELECT done_at FROM task_effects e
         WHERE e.task = t.id AND e.kind = 'create_issue') AS issue_at,
       (SELECT done_at FROM task_effects e
         WHERE e.task = t.id AND e.idempotency_key LIKE '%:comment:opencode:%') AS comment_at,
       (SELECT max(received_at) FROM webhook_deliveries d
         WHERE d.event = 'workflow_run' AND d.summary->>'head_sha' = t.merge_commit_sha
           AND d.summary->>'run_status' = 'completed') AS last_run_at,
       (SELECT min(created_at) FROM task_events v
         WHERE v.task = t.id AND v.event_type = 'task.status_changed'
           AND v.ref_json->>'to' = 'DEPLOYED') AS deployed_at
  FROM tasks t WHERE t.asana_gid = ANY($1::varchar[])
"""


def summary(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    return f"p50 {statistics.median(values) * 1000:7.0f} ms   p90 {p90 * 1000:7.0f} ms"


async def run(tasks: int, concurrency: int, data_dir: Path, dsn: str, settings: Settings) -> None:
    await apply_migrations(dsn)
    engine.configure(dsn)
    await engine.open_pool()
    sandbox = Sandbox()
    seed_extra_repos(sandbox)
    await sandbox.start()
    urls = {"asana_api_url": sandbox.asana.base_url, "github_api_url": sandbox.github.base_url}
    login = await setup_demo(settings.replace(**urls), sandbox.seed)
    project_id = (await get_by_slug(login.slug))["id"]
    env = dict(
        os.environ,
        DATABASE_URL=dsn,
        AUTOFLOW_DATA_DIR=str(data_dir),
        AUTOFLOW_PORT=str(settings.port),
        AUTOFLOW_PUBLIC_URL=settings.public_url,
        AUTOFLOW_ASANA_API_URL=sandbox.asana.base_url,
        AUTOFLOW_GITHUB_API_URL=sandbox.github.base_url,
        AUTOFLOW_LOG_LEVEL="WARNING",
    )
    processes = []
    try:
        for command in ("web", "worker"):
            log = open(data_dir / f"{command}.log", "w")  # noqa: SIM115 - closed with the process
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.cli", command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
        await wait_until_up(settings.public_url)
        async with aiohttp.ClientSession() as http:
            clients = ProjectClients(project_id, http, settings.replace(**urls))
            assert (await project_hooks.set_up_all(clients)).ok
            calls = count_calls(sandbox)
            asana = sandbox.asana_client(http)
            gate = asyncio.Semaphore(concurrency)

            async def one(index: int) -> str:
                async with gate:
                    return await drive_task(sandbox, asana, f"Benchmark task {index}")

            gids = await asyncio.gather(*(one(i) for i in range(tasks)))
            # The notifications after DEPLOYED (Asana completion, comment, story) count too.
            await wait_for(
                """
                SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM task_effects WHERE status = 'planned')
                  AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs
                                   WHERE status IN ('todo', 'doing')
                                     AND task_name LIKE 'pipeline:%')
                """
            )
            await sandbox.settle()
        rows = await fetch(LATENCIES, list(gids))
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        await sandbox.close()
        await engine.close_pool()

    print(f"\nPipeline benchmark: {tasks} tasks, {concurrency} at a time, {os.cpu_count()} cores\n")
    print(
        "AutoTask webhook -> issue created:      "
        + summary([(r["issue_at"] - r["received"]).total_seconds() for r in rows])
    )
    print(
        "AutoTask webhook -> /opencode comment:  "
        + summary([(r["comment_at"] - r["received"]).total_seconds() for r in rows])
    )
    print(
        "last CI run received -> DEPLOYED:       "
        + summary([(r["deployed_at"] - r["last_run_at"]).total_seconds() for r in rows])
    )
    # The script's own task creations are not the pipeline's calls.
    calls.pop(("asana", "POST", "/tasks"), None)
    total = sum(calls.values())
    print(f"\nAPI calls per task: {total / tasks:.1f}")
    for (service, method, path), count in sorted(calls.items(), key=lambda item: -item[1]):
        print(f"  {count / tasks:5.2f}  {service:<7}{method:<7}{path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20, help="tasks through the loop")
    parser.add_argument("--concurrency", type=int, default=5, help="tasks in flight at once")
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"autoflow-bench-pipeline-{os.getpid()}"
    data_dir.mkdir(mode=0o755)
    port = free_port()
    env = dict(
        os.environ,
        AUTOFLOW_DATA_DIR=str(data_dir),
        AUTOFLOW_PORT=str(port),
        AUTOFLOW_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    env.pop("DATABASE_URL", None)
    settings = Settings.from_env(env)
    embedded = EmbeddedPostgres(data_dir)
    embedded.ensure_running()
    try:
        asyncio.run(run(args.tasks, args.concurrency, data_dir, embedded.dsn(), settings))
    except BaseException:
        for name in ("web", "worker"):
            log = data_dir / f"{name}.log"
            if log.exists():
                print(f"--- {name}.log (tail)\n" + "\n".join(log.read_text().splitlines()[-30:]))
        raise
    finally:
        embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
