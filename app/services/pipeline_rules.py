"""A project's configuration in the shape the pipeline core reads it (`ProjectRules`), loaded
from the settings tables and the knowledge tables. Database reads only."""

from __future__ import annotations

from app.pipeline.rules_config import (
    ContextContact,
    ContextLink,
    ContextNote,
    ProjectContext,
    ProjectRules,
)
from app.services import knowledge
from app.services import project_config as config


async def load(project_id: int) -> ProjectRules:
    asana = await config.asana_config(project_id)
    repos = await config.repo_entries(project_id)
    context = ProjectContext(
        links=tuple(
            ContextLink(link.title, link.url, link.kind)
            for link in await knowledge.list_links(project_id)
        ),
        contacts=tuple(
            ContextContact(contact.role, contact.name, contact.handle)
            for contact in await knowledge.list_contacts(project_id)
        ),
        notes=tuple(
            ContextNote(note.title, note.markdown)
            for note in await knowledge.list_notes(project_id)
        ),
    )
    return ProjectRules(
        project_id=project_id,
        asana_project_gids=tuple(asana.project_gids),
        autotask_field_gid=asana.autotask_field_gid,
        autotask_on_option_gid=asana.autotask_on_option_gid,
        repo_field_gid=asana.repo_field_gid,
        repo_overrides=await config.repo_overrides(project_id),
        status_field_gid=asana.status_field_gid,
        status_map=await config.status_map(project_id),
        repos=tuple(repo.full_name for repo in repos),
        default_repo=next((repo.full_name for repo in repos if repo.is_default), None),
        context=context,
    )
