"""Pipeline constraints and indexes: one task per Asana gid in a project, one TaskSpec per
version, allowed statuses, the outbox's lookups and the CI runs' join key."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-25T10:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "pipeline constraints and indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def add_constraints():
        await execute_script(
            """
            ALTER TABLE tasks
                ADD CONSTRAINT tasks_key UNIQUE (project, asana_gid),
                ADD CONSTRAINT tasks_asana_status_check
                    CHECK (asana_status IN ('ACTIVE', 'BLOCKED', 'CANCELLED'));
            CREATE INDEX tasks_project_updated_idx ON tasks (project, updated_at DESC);
            CREATE INDEX tasks_status_idx ON tasks (status);
            -- GitHub facts find their task by issue number, and CI runs by merge commit.
            CREATE INDEX tasks_issue_idx ON tasks (project, issue_number)
                WHERE issue_number IS NOT NULL;
            CREATE INDEX tasks_merge_sha_idx ON tasks (merge_commit_sha)
                WHERE merge_commit_sha IS NOT NULL;
            ALTER TABLE taskspecs ADD CONSTRAINT taskspecs_key UNIQUE (task, version);
            CREATE INDEX task_events_task_idx ON task_events (task, id);
            CREATE INDEX task_events_project_idx ON task_events (project, created_at);
            ALTER TABLE task_effects
                ADD CONSTRAINT task_effects_status_check
                    CHECK (status IN ('planned', 'done', 'failed'));
            CREATE INDEX task_effects_task_idx ON task_effects (task, id);
            CREATE INDEX task_effects_planned_idx ON task_effects (created_at)
                WHERE status = 'planned';
            ALTER TABLE ci_runs
                ADD CONSTRAINT ci_runs_key UNIQUE (project, repo, head_sha, workflow_id);
            """
        )

    manager.add_raw(add_constraints)
    return manager
