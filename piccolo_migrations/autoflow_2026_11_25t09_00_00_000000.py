"""Asana handshakes bound to our own create call: a one-time token in the registered target."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-25T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "asana webhook handshake token"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def add_token_hash():
        await execute_script(
            """
            ALTER TABLE asana_webhooks ADD COLUMN handshake_token_hash TEXT NULL DEFAULT NULL;
            """
        )

    manager.add_raw(add_token_hash)
    return manager
