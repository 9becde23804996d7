"""Constraints Piccolo's columns cannot declare: one membership per user and project, and
the allowed roles."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-24T05:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "membership uniqueness and role checks"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def add_constraints():
        await execute_script(
            """
            ALTER TABLE project_memberships
                ADD CONSTRAINT project_memberships_project_user_key UNIQUE (project, "user"),
                ADD CONSTRAINT project_memberships_role_check
                    CHECK (role IN ('admin', 'editor', 'viewer'));
            ALTER TABLE invites
                ADD CONSTRAINT invites_role_check CHECK (role IN ('admin', 'editor', 'viewer'));
            CREATE INDEX project_memberships_user_idx ON project_memberships ("user");
            CREATE INDEX sessions_user_idx ON sessions ("user");
            """
        )

    manager.add_raw(add_constraints)
    return manager
