"""A PostgreSQL server for the suite, and a fresh database per test cloned from a migrated
template (fast: CREATE DATABASE ... TEMPLATE copies files, no migrations run per test)."""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.db.embedded import EmbeddedPostgres
from app.db.migrate import apply_migrations

_counter = itertools.count()


def server_dsn(test_database_url: str | None) -> str:
    """A superuser DSN to the test server: TEST_DATABASE_URL, or an embedded server kept in
    the temp folder (reused across runs; it costs an initdb only the first time)."""
    if test_database_url:
        return test_database_url
    embedded = EmbeddedPostgres(Path(tempfile.gettempdir()) / f"autoflow-tests-{os.geteuid()}")
    embedded.ensure_running()
    return embedded.dsn("postgres")


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
