"""Changing a project's repositories and Asana projects: read, check with the service, save.

The settings forms and the API both come through here, so the rules (the input checks in
`project_config_input`, the live checks in `connections`) apply the same way to both. Each
raises `ConfigProblem` (bad input, per field) or `ConnectionProblem` (the service could not be
asked); nothing is saved in either case.
"""

from __future__ import annotations

from app.services import connections
from app.services import project_config as config
from app.services import project_config_input as config_input
from app.services import project_config_writes as config_writes
from app.services.connections import Context
from app.services.project_config_input import GID_FIELDS, AsanaInput


async def update_repos(ctx: Context, project_id: int, rows: list[str], defaults: list[str]):
    """Replace the repositories: `rows` as typed, `defaults` the index of the default row.
    Returns the saved list, the default first."""
    parsed = config_input.parse_repos_input(rows, defaults)
    await connections.validate_repos(ctx, project_id, parsed.repos)
    await config_writes.save_repos(project_id, parsed.repos)
    return parsed.repos


async def update_asana(
    ctx: Context, project_id: int, single: dict[str, str], project_values: list[str]
) -> AsanaInput:
    """Replace the Asana configuration from the form's values (gids by field name) and the
    Asana project gids; names come from Asana when a token is saved."""
    data = config_input.parse_asana_input(single, project_values)
    names = await connections.validate_asana(ctx, project_id, data)
    await config_writes.save_asana_config(project_id, data, names)
    return data


async def update_asana_projects(ctx: Context, project_id: int, gids: list[str]) -> AsanaInput:
    """Replace only the Asana project gids, keeping the workspace and fields as they are."""
    current = await config.asana_config(project_id)
    single = {name: getattr(current, name) or "" for name in GID_FIELDS}
    return await update_asana(ctx, project_id, single, gids)
