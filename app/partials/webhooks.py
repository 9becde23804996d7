"""HTMX fragments of the webhooks page: health refresh, Asana set-up and removal, GitHub
validation and fixing. The actions that call Asana or GitHub are admin-only, explicit, and
answer with the same fragments the page includes."""

from __future__ import annotations

import datetime as dt

from quart import Blueprint, Response, abort, current_app, redirect, request

from app.integrations.clients import INTERACTIVE_POLICY, asana_client, github_client
from app.integrations.errors import IntegrationError
from app.services import asana_hooks, github_hooks, project_config
from app.services.connections import problem_from
from app.services.projects import ProjectAccess, Role
from app.services.secrets import read_secret
from app.services.webhook_overview import overview
from app.settings import Settings
from app.web.guards import login_required, project_for
from app.web.render import fragment, is_htmx, notice

blueprint = Blueprint("webhook_partials", __name__, url_prefix="/partials/p/<slug>/webhooks")


def _settings() -> Settings:
    return current_app.config["AUTOFLOW_SETTINGS"]


async def _health(access: ProjectAccess, **context) -> Response:
    view = await overview(access.id, _settings().public_url, dt.datetime.now(dt.UTC))
    asana = await project_config.asana_config(access.id)
    return await fragment("_webhook_health.html", access=access, view=view, asana=asana, **context)


async def _done(access: ProjectAccess, message: str, template: str, **context) -> Response:
    if not is_htmx():
        await notice(message, "error" if context.get("error") else "ok")
        return redirect(f"/p/{access.slug}/webhooks", 303)
    view = await overview(access.id, _settings().public_url, dt.datetime.now(dt.UTC))
    defaults = {
        "asana_results": None,
        "github_checks": None,
        "error": None,
        "asana": await project_config.asana_config(access.id),
    }
    # An error is said once, in the region; toasts are for success.
    toast = None if context.get("error") else message
    return await fragment(
        template, toast=toast, access=access, view=view, **{**defaults, **context}
    )


@blueprint.get("/health")
@login_required
async def health(slug: str) -> Response:
    return await _health(await project_for(slug))


@blueprint.post("/asana/setup")
@login_required
async def set_up_asana(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    token = await read_secret(access.id, "asana_pat")
    gids = await project_config.asana_project_gids(access.id)
    if not token or not gids:
        missing = "the Asana token" if not token else "the Asana projects"
        return await _done(
            access,
            f"Set {missing} in Settings first.",
            "_asana_hooks.html",
            error=f"Set {missing} in Settings first.",
        )
    client = asana_client(
        current_app.extensions["http"], _settings(), token, policy=INTERACTIVE_POLICY
    )
    results = await asana_hooks.set_up(client, access.id, gids, _settings().public_url)
    failed = [r for r in results if not r.ok]
    message = (
        f"{len(results) - len(failed)} of {len(results)} Asana webhooks are set up."
        if failed
        else "Asana webhooks are set up."
    )
    return await _done(access, message, "_asana_hooks.html", asana_results=results)


@blueprint.post("/asana/remove")
@login_required
async def remove_asana(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    resource = (await request.form).get("resource", "")
    if resource not in await project_config.asana_project_gids(access.id):
        abort(404)
    token = await read_secret(access.id, "asana_pat")
    if not token:
        return await _done(
            access,
            "Set the Asana token first.",
            "_asana_hooks.html",
            error="Set the Asana token in Settings first.",
        )
    client = asana_client(
        current_app.extensions["http"], _settings(), token, policy=INTERACTIVE_POLICY
    )
    try:
        await asana_hooks.remove(client, access.id, resource)
    except IntegrationError as error:
        problem = problem_from(error)
        return await _done(access, str(problem), "_asana_hooks.html", error=problem)
    return await _done(access, f"Webhook on {resource} removed.", "_asana_hooks.html")


async def _github(access: ProjectAccess):
    token = await read_secret(access.id, "github_token")
    if not token:
        return None
    return github_client(
        current_app.extensions["http"], _settings(), token, policy=INTERACTIVE_POLICY
    )


@blueprint.post("/github/validate")
@login_required
async def validate_github(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    client = await _github(access)
    if client is None:
        return await _done(
            access,
            "Set the GitHub token first.",
            "_github_hooks.html",
            error="Set the GitHub token in Settings first.",
        )
    url = github_hooks.hook_url(_settings().public_url, access.id)
    checks = await github_hooks.check_all(client, await project_config.github_repos(access.id), url)
    bad = [c for c in checks if c.state != "ok"]
    message = f"{len(bad)} repo(s) need attention." if bad else "Every repo sends us its events."
    return await _done(access, message, "_github_hooks.html", github_checks=checks)


@blueprint.post("/github/fix")
@login_required
async def fix_github(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    repo = (await request.form).get("repo", "")
    repos = await project_config.github_repos(access.id)
    if repo not in repos:
        abort(404)
    client = await _github(access)
    secret = await read_secret(access.id, "github_webhook_secret")
    if client is None or secret is None:
        error = "Set the GitHub token and the GitHub webhook secret in Settings first."
        return await _done(access, error, "_github_hooks.html", error=error)
    url = github_hooks.hook_url(_settings().public_url, access.id)
    fixed = await github_hooks.fix(client, repo, url, secret)
    checks = [
        fixed if c.repo == repo else c for c in await github_hooks.check_all(client, repos, url)
    ]
    message = f"Webhook on {repo} created." if fixed.state == "ok" else fixed.problems[0]
    return await _done(access, message, "_github_hooks.html", github_checks=checks)
