"""The webhooks page of a project: URLs to paste, set-up and validation, and delivery health."""

from __future__ import annotations

import datetime as dt

from quart import Blueprint, Response, current_app

from app.services.project_config import asana_config
from app.services.webhook_overview import overview
from app.web.guards import login_required, project_for
from app.web.render import page

blueprint = Blueprint("webhooks", __name__)


@blueprint.get("/p/<slug>/webhooks")
@login_required
async def index(slug: str) -> Response:
    access = await project_for(slug)
    settings = current_app.config["AUTOFLOW_SETTINGS"]
    return await page(
        "webhooks.html",
        section="webhooks",
        access=access,
        view=await overview(access.id, settings.public_url, dt.datetime.now(dt.UTC)),
        asana=await asana_config(access.id),  # names for the Asana project gids
        asana_results=None,
        github_checks=None,
        error=None,
    )
