"""The Procrastinate 3.10.0 schema, vendored so it lives in our migration history.

`procrastinate schema --apply` is not idempotent and knows nothing of our history, so the
schema is applied here once. Upgrading Procrastinate: add a new migration that runs, in
order, the files of `procrastinate/sql/migrations/` between the old and the new version
(see docs/operations.md); tests/test_migrations.py fails while they differ.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script, read_sql

ID = "2026-11-24T05:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "procrastinate 3.10.0 schema"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def apply_schema():
        await execute_script(read_sql("procrastinate_3.10.0_schema.sql"))

    manager.add_raw(apply_schema)
    return manager
