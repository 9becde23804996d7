"""Refused webhook requests are counted per minute, not stored one row each."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-25T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "aggregate webhook rejections per minute"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def aggregate_rejections():
        # Rows from before this migration keep bucket NULL; NULLs never conflict, so the unique
        # index needs no clean-up of them.
        await execute_script(
            """
            ALTER TABLE webhook_rejections
                ADD COLUMN hits integer NOT NULL DEFAULT 1,
                ADD COLUMN bucket timestamptz NULL;
            CREATE UNIQUE INDEX webhook_rejections_bucket_key
                ON webhook_rejections (project, source, (coalesce(hook_ref, '')), reason, bucket);
            """
        )

    manager.add_raw(aggregate_rejections)
    return manager
