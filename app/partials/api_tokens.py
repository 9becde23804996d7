"""HTMX fragments of the API page: the project's tokens, creating one (shown once) and
revoking one. Only project admins see the forms, and the server refuses anyone else (403).

The whole page is built here too (`api_page`): a plain form post that creates a token must
answer with the page itself, since a redirect would lose the token shown this once.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, abort, current_app, g, redirect, request

from app.api.examples import curl_examples
from app.api.openapi import OPENAPI_PATH
from app.services import api_tokens
from app.services.api_tokens import PREFIX, TokenProblem
from app.services.projects import ProjectAccess, Role
from app.web.guards import login_required, project_for
from app.web.render import fragment, is_htmx, notice, page

blueprint = Blueprint("api_token_partials", __name__, url_prefix="/partials/p/<slug>/api")


async def tokens_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    return {
        "tokens": await api_tokens.list_tokens(access.id),
        "created_token": None,
        "token_form": {},
        "token_errors": {},
        **extra,
    }


async def api_page(access: ProjectAccess, status: int = 200, **extra: Any) -> Response:
    settings = current_app.config["AUTOFLOW_SETTINGS"]
    spec = current_app.extensions["QUART_SCHEMA"].openapi_provider.schema()
    return await page(
        "api.html",
        status=status,
        section="api",
        access=access,
        base_url=settings.public_url,
        openapi_url=settings.public_url + OPENAPI_PATH,
        examples=curl_examples(spec, settings.public_url, access.slug),
        rate_limit=settings.api_rate_limit,
        token_prefix=PREFIX,
        **(await tokens_context(access, **extra)),
    )


async def _answer(access: ProjectAccess, status: int = 200, toast: str | None = None, **extra):
    context = await tokens_context(access, **extra)
    return await fragment("_api_tokens.html", status=status, toast=toast, access=access, **context)


@blueprint.get("/tokens")
@login_required
async def region(slug: str) -> Response:
    access = await project_for(slug)
    return await _answer(access)


@blueprint.post("/tokens")
@login_required
async def create(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = await request.form
    try:
        view, value = await api_tokens.create_token(
            access.id, form.get("name", ""), g.session.user_id
        )
    except TokenProblem as problem:
        extra = {"token_form": {"name": form.get("name", "")[:200]}, "token_errors": problem.errors}
        if not is_htmx():
            return await api_page(access, status=422, **extra)
        return await _answer(access, status=422, **extra)
    extra = {"created_token": {"name": view.name, "value": value}}
    if not is_htmx():
        # A redirect would lose the token, which is shown this once: answer the page itself.
        return await api_page(access, **extra)
    return await _answer(access, toast="Token created: copy it now.", **extra)


@blueprint.post("/tokens/<int:token_id>/revoke")
@login_required
async def revoke(slug: str, token_id: int) -> Response:
    access = await project_for(slug, Role.ADMIN)
    if not await api_tokens.revoke_token(access.id, token_id):
        abort(404)
    if not is_htmx():
        await notice("Token revoked.")
        return redirect(f"/p/{access.slug}/api#api-tokens", 303)
    return await _answer(access, toast="Token revoked.")
