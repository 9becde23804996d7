"""API tokens: one project each, stored as a SHA-256 digest, with a per-token request window;
and the count of outbound calls to Asana and GitHub by status, for /metrics."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-25T09:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api tokens and outbound call counts"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def create_api_tokens():
        await execute_script(
            """
            CREATE TABLE api_tokens (
                id serial PRIMARY KEY,
                project integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
                name varchar(100) NOT NULL,
                token_hash varchar(64) NOT NULL UNIQUE,
                prefix varchar(16) NOT NULL,
                created_by integer NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                last_used_at timestamptz NULL,
                revoked_at timestamptz NULL,
                window_start timestamptz NULL,
                window_hits integer NOT NULL DEFAULT 0
            );
            CREATE INDEX api_tokens_project_idx ON api_tokens (project);
            CREATE TABLE outbound_calls (
                service varchar(16) NOT NULL,
                status varchar(32) NOT NULL,
                calls bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (service, status)
            );
            """
        )

    manager.add_raw(create_api_tokens)
    return manager
