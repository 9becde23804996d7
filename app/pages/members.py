"""The members page of a project: who has which role, and pending invites."""

from __future__ import annotations

from quart import Blueprint, Response

from app.services import members
from app.web.guards import login_required, project_for
from app.web.render import page

blueprint = Blueprint("members", __name__)


@blueprint.get("/p/<slug>/members")
@login_required
async def index(slug: str) -> Response:
    access = await project_for(slug)
    return await page(
        "members.html",
        section="members",
        access=access,
        members=await members.list_members(access.id),
        invites=await members.pending_invites(access.id) if access.is_admin else [],
        new_invite=None,
        error=None,
    )
