"""HTMX fragments of the settings page: what every region shares, and the integration status.

Each region is one template that the page includes and its routes answer; the routes live by
section in `settings_secrets` (secrets, "Test connection"), `settings_asana` (Asana, pickers, the
status map) and `settings_github` (repositories, the repo map and its sync). Every mutation needs
the project admin role (checked there, on the server); reads need membership. A plain form post
(no htmx) is answered with a redirect to the page and a notice instead of the fragment.
"""

from __future__ import annotations

import json
from typing import Any

from quart import Blueprint, Response, current_app, redirect

from app.services.connections import Context
from app.services.integration_readiness import integration_status
from app.services.projects import ProjectAccess
from app.web.guards import login_required, project_for
from app.web.render import fragment, is_htmx, notice

# Every settings blueprint (this one and the three by section) answers under it.
URL_PREFIX = "/partials/p/<slug>/settings"

blueprint = Blueprint("settings_partials", __name__, url_prefix=URL_PREFIX)

CHANGED_EVENT = "settings-changed"  # the integration status refreshes itself on it


# -- plumbing the regions share ---------------------------------------------------------------


def connection_context() -> Context:
    return Context(current_app.extensions["http"], current_app.config["AUTOFLOW_SETTINGS"])


def mark_changed(response: Response) -> Response:
    """Add the event the integration status listens to, keeping any toast."""
    events = json.loads(response.headers.get("HX-Trigger") or "{}")
    events[CHANGED_EVENT] = True
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


async def render_region(
    access: ProjectAccess,
    template: str,
    context: dict[str, Any],
    *,
    anchor: str,
    toast: str | None = None,
    error: object | None = None,
    changed: bool = False,
) -> Response:
    """The region again. An error is said once, inside the region by its field (no toast:
    toasts are for success); `error` is a message or a ConnectionProblem with its detail."""
    if not is_htmx():
        await notice(str(error or toast or "Saved."), "error" if error else "ok")
        return redirect(f"/p/{access.slug}/settings#{anchor}", 303)
    response = await fragment(
        template,
        status=422 if error else 200,
        toast=None if error else toast,
        access=access,
        **context,
    )
    return mark_changed(response) if changed else response


def first_error(errors: dict[str, Any]) -> Any:
    return next(iter(errors.values()), "Check the highlighted fields.")


# -- integration status -----------------------------------------------------------------------


async def status_context(access: ProjectAccess) -> dict[str, Any]:
    return {"integration": await integration_status(access.id)}


@blueprint.get("/status")
@login_required
async def status(slug: str) -> Response:
    access = await project_for(slug)
    return await fragment("_integration_status.html", access=access, **await status_context(access))
