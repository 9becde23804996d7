"""The external JSON API, /api/v1: project-scoped bearer tokens, quart-schema validation and
the OpenAPI document, one error shape. `install` wires it into the app factory."""

from __future__ import annotations

from quart import Quart, Response, request
from quart_schema import QuartSchema

from app import __version__
from app.api import errors
from app.api.common import ID, IdConverter
from app.api.openapi import DESCRIPTION, OPENAPI_PATH, SECURITY_SCHEME, ApiOpenAPIProvider
from app.settings import Settings


def install(app: Quart, settings: Settings) -> None:
    QuartSchema(
        app,
        openapi_path=OPENAPI_PATH,
        # The bundled UIs load scripts from CDNs, which our CSP (rightly) refuses.
        redoc_ui_path=None,
        scalar_ui_path=None,
        swagger_ui_path=None,
        info={
            "title": "Auto-Flow API",
            "version": __version__,
            "description": DESCRIPTION.replace("{rate_limit}", str(settings.api_rate_limit)),
        },
        servers=[{"url": settings.public_url}],
        security_schemes={
            SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearer_format": "afp_..."}
        },
        security=[{SECURITY_SCHEME: []}],
        tags=[
            {"name": "project", "description": "The project, its repositories, Asana projects"},
            {"name": "knowledge", "description": "Docs links, contacts and knowledge notes"},
        ],
        openapi_provider_class=ApiOpenAPIProvider,
    )
    errors.install(app)
    # Its own converter: one that refuses a number makes werkzeug answer 405 where the same
    # path has a rule for another method; the services answer 404 for an id out of range.
    app.url_map.converters[ID] = IdConverter

    from app.api import knowledge, projects

    app.register_blueprint(projects.blueprint)
    app.register_blueprint(knowledge.blueprint)

    @app.after_request
    async def not_cached(response: Response) -> Response:
        # Answers carry a project's data for one token: no shared cache may keep them.
        if request.path.startswith("/api/v1/projects/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
