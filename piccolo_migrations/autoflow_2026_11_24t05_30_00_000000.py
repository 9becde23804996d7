"""pgvector: ready for the knowledge embeddings that come later."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-24T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "create extension vector"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def create_vector():
        await execute_script("CREATE EXTENSION IF NOT EXISTS vector")

    manager.add_raw(create_vector)
    return manager
