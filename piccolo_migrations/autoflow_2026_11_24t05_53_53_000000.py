"""One secret of each name per project."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-24T05:53:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "project_secrets uniqueness"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def add_constraints():
        await execute_script(
            """
            ALTER TABLE project_secrets
                ADD CONSTRAINT project_secrets_project_name_key UNIQUE (project, name);
            """
        )

    manager.add_raw(add_constraints)
    return manager
