"""A PostgreSQL server for the suite, and a fresh database per test cloned from a migrated
template (fast: CREATE DATABASE ... TEMPLATE copies files, no migrations run per test)."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.db.embedded import EmbeddedPostgres
from app.db.migrate import apply_migrations

_counter = itertools.count()


@contextlib.contextmanager
def run_server(test_database_url: str | None) -> Iterator[str]:
    """A superuser DSN to the test server: TEST_DATABASE_URL, or an embedded server of this
    run's own in the temp folder, stopped and removed when the run ends.

    Each run has its own server so that two runs on one machine (two checkouts, or a
    developer's run beside CI) cannot break each other; a run that was killed leaves its
    folder behind, and the next run removes it.
    """
    if test_database_url:
        yield test_database_url
        return
    _remove_servers_of_ended_runs()
    folder = _run_folder(os.getpid())
    shutil.rmtree(folder, ignore_errors=True)
    # World-traversable: as root the server runs as a system user that must reach it.
    folder.mkdir(mode=0o755)
    (folder / "owner.pid").write_text(str(os.getpid()))
    embedded = EmbeddedPostgres(folder / "data")
    try:
        embedded.ensure_running()
        yield embedded.dsn("postgres")
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _run_folder(pid: int) -> Path:
    return Path(tempfile.gettempdir()) / f"autoflow-tests-{os.geteuid()}-{pid}"


def _remove_servers_of_ended_runs() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"autoflow-tests-{os.geteuid()}-*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue  # not one of ours, or still being created
        if _alive(owner):
            continue
        with contextlib.suppress(Exception):
            EmbeddedPostgres(folder / "data").stop()
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(server: str) -> asyncpg.Connection:
    return await asyncpg.connect(server)


async def create_template(server: str) -> str:
    name = f"autoflow_tpl_{os.getpid()}"
    connection = await _admin(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    await apply_migrations(with_database(server, name))
    return name


async def clone(server: str, template: str) -> str:
    name = f"autoflow_t_{os.getpid()}_{next(_counter)}"
    connection = await _admin(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await connection.close()
    return name


async def drop(server: str, name: str) -> None:
    connection = await _admin(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
