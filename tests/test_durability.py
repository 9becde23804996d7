"""An acknowledged delivery is never lost: whatever dies mid-stream — the web process or
PostgreSQL itself — every delivery that was answered 2xx is in the database with its job, and
none is there twice."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import psutil
import pytest

from app.db import engine
from app.db.embedded import EmbeddedPostgres
from app.db.migrate import apply_migrations
from app.services import secrets
from app.services.projects import create_project
from app.services.users import create_user
from app.settings import Settings
from tests.browser.conftest import launch_web
from tests.support.github_payloads import PAYLOADS, signed

SECRET = "whsec-durability-0123456789"
SENDERS = 16
# Bounded: each sender stops after this many attempts even if nothing is killed.
ATTEMPTS_PER_SENDER = 400

pytestmark = pytest.mark.slow


@pytest.fixture
def private_cluster():
    """A PostgreSQL of this test's own: it gets killed."""
    folder = Path(tempfile.gettempdir()) / f"autoflow-durability-{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o755)
    cluster = EmbeddedPostgres(folder / "data")
    cluster.ensure_running()
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


async def _prepare(dsn: str, data_dir: Path) -> int:
    await engine.close_pool()
    await apply_migrations(dsn)
    engine.configure(dsn)
    await engine.open_pool()
    try:
        settings = Settings.from_env({"DATABASE_URL": dsn, "AUTOFLOW_DATA_DIR": str(data_dir)})
        await secrets.prepare_keyring(settings)
        owner = await create_user("durable", "durable password 1", is_admin=True)
        project = await create_project("durable", "Durable", owner.id)
        await secrets.write_secret(project.id, "github_webhook_secret", SECRET)
        return project.id
    finally:
        await engine.close_pool()


async def _send_until_stopped(url: str, stop: asyncio.Event, acknowledged: set[str]) -> None:
    body, base = signed("issues", PAYLOADS["issues"], SECRET)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for _ in range(ATTEMPTS_PER_SENDER):
            if stop.is_set():
                return
            delivery = str(uuid.uuid4())
            try:
                async with http.post(
                    url, data=body, headers={**base, "X-GitHub-Delivery": delivery}
                ) as response:
                    if 200 <= response.status < 300:
                        acknowledged.add(delivery)
            except (TimeoutError, aiohttp.ClientError):
                await asyncio.sleep(0.05)


async def _stored(dsn: str) -> tuple[list[str], int]:
    connection = await asyncpg.connect(dsn)
    try:
        keys = [
            r["delivery_key"]
            for r in await connection.fetch("SELECT delivery_key FROM webhook_deliveries")
        ]
        orphans = await connection.fetchval(
            """SELECT count(*) FROM webhook_deliveries d WHERE NOT EXISTS (
                   SELECT 1 FROM procrastinate_jobs j
                    WHERE (j.args->>'delivery_id')::bigint = d.id)"""
        )
    finally:
        await connection.close()
    return keys, orphans


async def _run(dsn, tmp_path, kill) -> tuple[set[str], list[str], int]:
    project_id = await _prepare(dsn, tmp_path / "data")
    acknowledged: set[str] = set()
    stop = asyncio.Event()
    async with launch_web(dsn, tmp_path) as server:
        url = f"{server.url}/webhooks/github/{project_id}"
        senders = [
            asyncio.create_task(_send_until_stopped(url, stop, acknowledged))
            for _ in range(SENDERS)
        ]
        while len(acknowledged) < 50:
            await asyncio.sleep(0.05)
        await kill(server)
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*senders)
    keys, orphans = await _stored(dsn)
    return acknowledged, keys, orphans


async def test_killing_the_web_process_mid_stream_loses_no_acknowledged_delivery(
    private_cluster, tmp_path
):
    async def kill_web(server) -> None:
        # The whole service crashes: hypercorn's master and its workers (its workers also stop
        # by themselves when their master dies, see app/asgi.py).
        family = psutil.Process(server.process.pid).children(recursive=True)
        server.process.send_signal(signal.SIGKILL)
        for process in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()

    acknowledged, keys, orphans = await _run(private_cluster.dsn(), tmp_path, kill_web)
    assert len(acknowledged) >= 50
    assert acknowledged <= set(keys)
    assert len(keys) == len(set(keys))
    assert orphans == 0


async def test_killing_postgresql_mid_stream_loses_no_acknowledged_delivery(
    private_cluster, tmp_path
):
    async def kill_postgres(server) -> None:
        pid = int((private_cluster.cluster_dir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.3)
        await asyncio.to_thread(private_cluster.ensure_running)  # crash recovery replays WAL

    acknowledged, keys, orphans = await _run(private_cluster.dsn(), tmp_path, kill_postgres)
    assert len(acknowledged) >= 50
    assert acknowledged <= set(keys)
    assert len(keys) == len(set(keys))
    assert orphans == 0
