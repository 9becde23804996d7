"""HTMX fragments of the settings page: the project's secrets and "Test connection"."""

from __future__ import annotations

import secrets as random
from typing import Any

from quart import Blueprint, Response, abort, g, redirect, request

from app.partials.settings import URL_PREFIX, connection_context, mark_changed, render_region
from app.services import connections
from app.services.connections import ConnectionProblem
from app.services.integration_readiness import record_check
from app.services.project_config import SECRET_LABELS, SECRET_NAMES, Service
from app.services.projects import ProjectAccess, Role
from app.services.secrets import secret_statuses, write_secret
from app.web.guards import login_required, project_for
from app.web.render import fragment, is_htmx, notice

blueprint = Blueprint("settings_secret_partials", __name__, url_prefix=URL_PREFIX)

MAX_SECRET_LENGTH = 500
WEBHOOK_SECRET_BYTES = 32


async def secrets_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    return {
        "secrets": await secret_statuses(access.id, list(SECRET_NAMES)),
        "secret_labels": SECRET_LABELS,
        "replacing": None,
        "errors": {},
        "generated": None,
        **extra,
    }


@blueprint.get("/secrets")
@login_required
async def secrets_region(slug: str) -> Response:
    access = await project_for(slug)
    replacing = request.args.get("replace")
    if replacing is not None:
        access = await project_for(slug, Role.ADMIN)
        if replacing not in SECRET_NAMES:
            abort(404)
    return await fragment(
        "_secrets.html", access=access, **await secrets_context(access, replacing=replacing)
    )


@blueprint.post("/secrets/<name>")
@login_required
async def replace_secret(slug: str, name: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    if name not in SECRET_NAMES:
        abort(404)
    value = ((await request.form).get("value") or "").strip()
    problem: str | ConnectionProblem | None = None
    if not value:
        problem = "Paste the new value."
    elif len(value) > MAX_SECRET_LENGTH or any(c.isspace() for c in value):
        problem = f"That does not look like a token (no spaces, at most {MAX_SECRET_LENGTH})."
    elif name in ("asana_pat", "github_token"):
        service = Service.ASANA if name == "asana_pat" else Service.GITHUB
        try:
            who = await connections.check_new_token(connection_context(), service, value)
        except ConnectionProblem as error:
            problem = error
    if problem:
        context = await secrets_context(access, replacing=name, errors={name: problem})
        return await render_region(
            access, "_secrets.html", context, anchor="secrets", error=problem
        )
    await write_secret(access.id, name, value, g.session.user_id)
    toast = f"{SECRET_LABELS[name]} saved."
    if name in ("asana_pat", "github_token"):
        await record_check(access.id, service)
        toast = f"{SECRET_LABELS[name]} saved; it belongs to {who}."
    context = await secrets_context(access)
    return await render_region(
        access, "_secrets.html", context, anchor="secrets", toast=toast, changed=True
    )


@blueprint.post("/secrets/github_webhook_secret/generate")
@login_required
async def generate_webhook_secret(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    value = random.token_urlsafe(WEBHOOK_SECRET_BYTES)
    await write_secret(access.id, "github_webhook_secret", value, g.session.user_id)
    if not is_htmx():
        # Shown once: a plain post gets the page itself, with the value, not a redirect.
        from app.pages.settings import settings_page

        return await settings_page(access, generated=value)
    context = await secrets_context(access, generated=value)
    return await render_region(
        access,
        "_secrets.html",
        context,
        anchor="secrets",
        toast="New webhook secret generated: copy it now.",
        changed=True,
    )


@blueprint.post("/test/<any(asana, github):service>")
@login_required
async def test_connection(slug: str, service: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    chosen = Service(service)
    try:
        who = await connections.test_connection(connection_context(), access.id, chosen)
    except ConnectionProblem as error:
        if not is_htmx():
            await notice(str(error), "error")
            return redirect(f"/p/{access.slug}/settings#secrets", 303)
        response = await fragment("_test_result.html", status=422, error=error)
        return mark_changed(response)
    if not is_htmx():
        await notice(f"Connected as {who}.")
        return redirect(f"/p/{access.slug}/settings#secrets", 303)
    return mark_changed(await fragment("_test_result.html", who=who, error=None))
