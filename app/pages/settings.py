"""A project's settings page (integrations, secrets, links, contacts) and its knowledge page.

Everyone in the project sees them; only project admins get forms (and the server refuses any
change from anyone else, see app/partials/settings_*.py and app/partials/knowledge.py).
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from app.partials import knowledge as knowledge_partials
from app.partials import settings as settings_partials
from app.partials import settings_asana, settings_github, settings_secrets
from app.services.project_config import SECRET_NAMES
from app.services.projects import ProjectAccess
from app.web.guards import login_required, project_for
from app.web.inputs import parse_id
from app.web.render import page

blueprint = Blueprint("settings", __name__)


def _id_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


async def settings_page(access: ProjectAccess, **extra: Any) -> Response:
    replacing = request.args.get("replace") if access.is_admin else None
    context: dict[str, Any] = {}
    context.update(await settings_partials.status_context(access))
    context.update(
        await settings_secrets.secrets_context(
            access, replacing=replacing if replacing in SECRET_NAMES else None
        )
    )
    context.update(await settings_asana.asana_context(access))
    context.update(await settings_asana.status_map_context(access))
    context.update(await settings_github.github_context(access))
    context.update(await settings_github.repo_map_context(access))
    admin = access.is_admin
    context.update(
        await knowledge_partials.links_context(
            access, link_editing=_id_arg("edit_link") if admin else None
        )
    )
    context.update(
        await knowledge_partials.contacts_context(
            access, contact_editing=_id_arg("edit_contact") if admin else None
        )
    )
    context.update(extra)
    return await page("settings.html", section="settings", access=access, **context)


@blueprint.get("/p/<slug>/settings")
@login_required
async def settings(slug: str) -> Response:
    return await settings_page(await project_for(slug))


@blueprint.get("/p/<slug>/knowledge")
@login_required
async def knowledge(slug: str) -> Response:
    access = await project_for(slug)
    admin = access.is_admin
    context: dict[str, Any] = {}
    context.update(
        await knowledge_partials.notes_context(
            access, note_editing=_id_arg("edit_note") if admin else None
        )
    )
    context.update(await knowledge_partials.links_context(access))
    context.update(await knowledge_partials.contacts_context(access))
    return await page("knowledge.html", section="knowledge", access=access, **context)
