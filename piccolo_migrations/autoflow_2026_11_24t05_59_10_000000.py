"""Webhook constraints and indexes: one delivery per key (duplicates are dropped by the
database, not by check-then-insert), allowed values, and the indexes health and the sweep use."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-24T05:59:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook constraints and indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def add_constraints():
        await execute_script(
            """
            ALTER TABLE webhook_deliveries
                ADD CONSTRAINT webhook_deliveries_key UNIQUE (project, source, delivery_key),
                ADD CONSTRAINT webhook_deliveries_source_check CHECK (source IN ('asana', 'github')),
                ADD CONSTRAINT webhook_deliveries_status_check
                    CHECK (status IN ('pending', 'processed', 'ignored', 'failed'));
            CREATE INDEX webhook_deliveries_pending_idx
                ON webhook_deliveries (received_at) WHERE status = 'pending';
            CREATE INDEX webhook_deliveries_health_idx
                ON webhook_deliveries (project, source, hook_ref, received_at);
            CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);
            ALTER TABLE webhook_rejections
                ADD CONSTRAINT webhook_rejections_source_check CHECK (source IN ('asana', 'github'));
            CREATE INDEX webhook_rejections_health_idx
                ON webhook_rejections (project, source, hook_ref, rejected_at);
            ALTER TABLE asana_webhooks
                ADD CONSTRAINT asana_webhooks_resource_key UNIQUE (project, resource_gid);
            -- The sweep asks "does this delivery still have a live job?".
            CREATE INDEX autoflow_delivery_jobs_idx
                ON procrastinate_jobs (((args->>'delivery_id')::bigint))
                WHERE task_name = 'ingest:process_delivery';
            """
        )

    manager.add_raw(add_constraints)
    return manager
