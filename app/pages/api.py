"""A project's API page: its tokens, how to call /api/v1 (a curl example per operation, with
this server's public URL), and the link to the OpenAPI document. Every member reads it; only
admins get the token forms (see app/partials/api_tokens.py, which builds the page)."""

from __future__ import annotations

from quart import Blueprint, Response

from app.partials.api_tokens import api_page
from app.web.guards import login_required, project_for

blueprint = Blueprint("api_page", __name__)


@blueprint.get("/p/<slug>/api")
@login_required
async def index(slug: str) -> Response:
    return await api_page(await project_for(slug))
