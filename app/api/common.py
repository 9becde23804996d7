"""What the /api/v1 route modules share: the URL prefix, the project of the request, the
connection context for checks with Asana and GitHub, and service errors as API errors."""

from __future__ import annotations

from quart import current_app, g
from werkzeug.routing import IntegerConverter

from app.api.errors import ApiProblem
from app.services.connections import ConnectionProblem, Context
from app.services.projects import ProjectAccess

PROJECT_URL = "/api/v1/projects/<slug>"
ID = "api_id"  # the converter below, registered under this name


class IdConverter(IntegerConverter):
    """A row id, a PostgreSQL integer. The bounds go into the OpenAPI document, but routing does
    not enforce them: werkzeug answers a number its converter refuses with 405 rather than 404,
    so the services answer "not found" for an id out of range instead."""

    minimum = 1
    maximum = 2**31 - 1


def project() -> ProjectAccess:
    return g.api_project


def acting_user() -> int | None:
    """Changes made through a token are recorded as made by the admin who created it."""
    return g.api_token.acting_user_id


def connection_context() -> Context:
    return Context(current_app.extensions["http"], current_app.config["AUTOFLOW_SETTINGS"])


def refused(errors: dict[str, str], rename: dict[str, str] | None = None) -> ApiProblem:
    """A service's per-field errors as a 400 naming each field (renamed to the API's names)."""
    fields = {(rename or {}).get(key, key): message for key, message in errors.items()}
    first_field, first_message = next(iter(fields.items()))
    return ApiProblem(400, f"{first_field}: {first_message}", fields=fields)


def upstream(problem: ConnectionProblem) -> ApiProblem:
    """The service could not be asked: our sentence, then the service's own answer."""
    detail = getattr(problem, "detail", None)
    return ApiProblem(502, f"{problem} ({detail})" if detail else str(problem))
