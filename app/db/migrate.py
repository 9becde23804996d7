"""Apply every pending migration, in order, once, even with several processes at it."""

from __future__ import annotations

import contextlib
import io
import logging

import asyncpg
from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager

from app.db import engine
from app.piccolo_app import APP_NAME

logger = logging.getLogger(__name__)

# pg_advisory_lock key shared by every process that migrates this database ("autoflow").
MIGRATION_LOCK_KEY = 0x6175746F666C6F77


class MigrationError(RuntimeError):
    """A migration failed; the database is left at the last migration that succeeded."""


async def apply_migrations(dsn: str) -> list[str]:
    """Apply pending migrations to the database at `dsn`; return the ids applied."""
    lock_connection = await asyncpg.connect(dsn)
    try:
        # A second process waits here, then finds nothing left to do.
        await lock_connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        engine.configure(dsn)
        before = await _applied_ids(lock_connection)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            result = await ForwardsMigrationManager(app_name=APP_NAME).run()
        if not result.success:
            raise MigrationError(f"migration failed: {result.message}\n{output.getvalue()}")
        applied = [i for i in await _applied_ids(lock_connection) if i not in before]
        for migration_id in applied:
            logger.info("applied migration", extra={"migration_id": migration_id})
        return applied
    finally:
        with contextlib.suppress(Exception):
            await lock_connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await lock_connection.close()


async def pending_migrations(dsn: str) -> list[str]:
    """Ids of migrations on disk that the database at `dsn` has not applied."""
    manager = ForwardsMigrationManager(app_name=APP_NAME)
    app_config = manager.get_app_config(app_name=APP_NAME)
    on_disk = manager.get_migration_ids(
        manager.get_migration_modules(app_config.resolved_migrations_folder_path)
    )
    connection = await asyncpg.connect(dsn)
    try:
        applied = set(await _applied_ids(connection))
    finally:
        await connection.close()
    return [i for i in on_disk if i not in applied]


async def _applied_ids(connection: asyncpg.Connection) -> list[str]:
    exists = await connection.fetchval("SELECT to_regclass('public.migration') IS NOT NULL")
    if not exists:
        return []
    rows = await connection.fetch(
        "SELECT name FROM migration WHERE app_name = $1 ORDER BY name", APP_NAME
    )
    return [row["name"] for row in rows]
