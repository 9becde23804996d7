"""The web application factory. `hypercorn app.asgi:app` serves the app it builds."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
from hypercorn.middleware import ProxyFixMiddleware
from jinja2 import ChoiceLoader, FileSystemLoader
from quart import Quart

from app import __version__, api
from app.crypto import MasterKeyError
from app.db import engine
from app.db.embedded import EmbeddedPostgres
from app.db.migrate import pending_migrations
from app.jobs.queue import open_queue
from app.services.secrets import prepare_keyring
from app.settings import Settings
from app.web import errors, inputs, security, templating

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
STATIC_FOLDER = ROOT.parent / "static"


class StartupError(RuntimeError):
    """The web process cannot serve; the message says what to do."""


def create_app(settings: Settings | None = None) -> Quart:
    settings = settings or Settings.from_env()
    app = Quart(__name__, static_folder=str(STATIC_FOLDER), static_url_path="/static")
    # The largest body anything accepts (webhooks); bigger ones are refused with 413. Forms are
    # held to Quart's much smaller form-memory limit.
    app.config["MAX_CONTENT_LENGTH"] = settings.webhook_max_bytes
    app.config["AUTOFLOW_SETTINGS"] = settings
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "pages" / "templates")),
            FileSystemLoader(str(ROOT / "partials" / "templates")),
        ]
    )
    inputs.install(app)
    templating.install(app)
    security.install(app, settings)
    if settings.proxy_hops:
        # Behind Caddy the client address (login throttling), scheme and host come from the
        # X-Forwarded-* values the trusted proxies appended: the right-most `proxy_hops` of
        # them. With 0 hops a client's X-Forwarded-* headers are ignored. Wrapping asgi_app
        # (not the app) keeps it in force for hypercorn and the test client alike.
        app.asgi_app = ProxyFixMiddleware(  # type: ignore[method-assign]
            app.asgi_app, mode="legacy", trusted_hops=settings.proxy_hops
        )
    errors.install(app)
    api.install(app, settings)

    from app import metrics
    from app.pages import api as api_page
    from app.pages import auth, members, projects, tasks
    from app.pages import settings as settings_pages
    from app.pages import webhooks as webhook_pages
    from app.partials import api_tokens as api_token_partials
    from app.partials import knowledge as knowledge_partials
    from app.partials import members as member_partials
    from app.partials import projects as project_partials
    from app.partials import settings as settings_partials
    from app.partials import settings_asana, settings_github, settings_secrets
    from app.partials import tasks as task_partials
    from app.partials import webhooks as webhook_partials
    from app.webhooks import asana as asana_webhooks
    from app.webhooks import github as github_webhooks

    for blueprint in (
        auth.blueprint,
        projects.blueprint,
        members.blueprint,
        project_partials.blueprint,
        member_partials.blueprint,
        settings_pages.blueprint,
        settings_partials.blueprint,
        settings_secrets.blueprint,
        settings_asana.blueprint,
        settings_github.blueprint,
        knowledge_partials.blueprint,
        github_webhooks.blueprint,
        asana_webhooks.blueprint,
        webhook_pages.blueprint,
        webhook_partials.blueprint,
        api_page.blueprint,
        api_token_partials.blueprint,
        metrics.blueprint,
        tasks.blueprint,
        task_partials.blueprint,
    ):
        app.register_blueprint(blueprint)

    @app.before_serving
    async def connect() -> None:
        dsn = await _database_ready(settings)
        engine.configure(dsn)
        await engine.open_pool()
        try:
            await prepare_keyring(settings)
        except MasterKeyError as error:
            raise StartupError(str(error)) from None
        app.extensions["queue"] = await open_queue(dsn)
        # One outbound HTTP session per process, shared by every Asana and GitHub client.
        app.extensions["http"] = aiohttp.ClientSession()

    @app.after_serving
    async def disconnect() -> None:
        http = app.extensions.pop("http", None)
        if http is not None:
            await http.close()
        queue = app.extensions.pop("queue", None)
        if queue is not None:
            await queue.close_async()
        await engine.close_pool()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


async def _database_ready(settings: Settings) -> str:
    dsn = engine.database_dsn(settings)
    if not settings.database_url:
        EmbeddedPostgres(settings.data_dir).ensure_running()
    try:
        pending = await pending_migrations(dsn)
    except OSError as error:
        raise StartupError(f"PostgreSQL is unreachable ({error}); check DATABASE_URL") from None
    if pending:
        raise StartupError(
            f"{len(pending)} migration(s) are not applied ({pending[0]} ...): run `autoflow migrate`"
        )
    return dsn
