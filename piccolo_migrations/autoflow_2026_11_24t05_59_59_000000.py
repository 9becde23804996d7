"""Project settings constraints: one row per key, allowed values, and one default repository."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db.migration_sql import execute_script

ID = "2026-11-24T05:59:59:000000"
VERSION = "1.38.0"
DESCRIPTION = "project settings constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="autoflow", description=DESCRIPTION)

    async def add_constraints():
        await execute_script(
            """
            ALTER TABLE project_asana_projects
                ADD CONSTRAINT project_asana_projects_key UNIQUE (project, asana_project_gid);
            ALTER TABLE asana_status_map
                ADD CONSTRAINT asana_status_map_key UNIQUE (project, option_gid),
                ADD CONSTRAINT asana_status_map_status_check
                    CHECK (status IN ('ACTIVE', 'BLOCKED', 'CANCELLED'));
            CREATE UNIQUE INDEX project_github_repos_key
                ON project_github_repos (project, lower(full_name));
            CREATE UNIQUE INDEX project_github_repos_one_default
                ON project_github_repos (project) WHERE is_default;
            ALTER TABLE asana_repo_map
                ADD CONSTRAINT asana_repo_map_key UNIQUE (project, option_gid);
            ALTER TABLE integration_checks
                ADD CONSTRAINT integration_checks_key UNIQUE (project, service),
                ADD CONSTRAINT integration_checks_service_check
                    CHECK (service IN ('asana', 'github'));
            CREATE INDEX project_links_project_idx ON project_links (project);
            CREATE INDEX project_contacts_project_idx ON project_contacts (project);
            CREATE INDEX project_knowledge_notes_project_idx ON project_knowledge_notes (project);
            """
        )

    manager.add_raw(add_constraints)
    return manager
