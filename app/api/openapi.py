"""The OpenAPI 3.1 document of /api/v1, built by quart-schema from the routes' models.

Our provider keeps only /api/v1 routes (the pages and partials are not an API), and adds what
every operation shares so no route has to repeat it: the bearer requirement, the error shape
for 401/404/429/500 (400 where a body is read), `Retry-After` on 429, and integer bounds on ids.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from quart_schema import OpenAPIProvider
from quart_schema.conversion import model_schema
from werkzeug.routing.converters import BaseConverter, IntegerConverter
from werkzeug.routing.rules import Rule

from app.api.errors import MESSAGES, ErrorResponse

API_PREFIX = "/api/v1/"
OPENAPI_PATH = "/api/v1/openapi.json"
SECURITY_SCHEME = "bearerAuth"
EXTRA_RESPONSES_ATTRIBUTE = "_autoflow_extra_responses"
T = TypeVar("T", bound=Callable)
# quart-schema's own pattern runs across `>` and garbles a path whose second variable has a
# converter (`<slug>/links/<api_id:link_id>`); this one stays inside each `<...>`.
PATH_VARIABLE = re.compile(r"<(?:[^:<>]*:)?([^<>]+)>")

DESCRIPTION = """\
Everything inside one project, for scripts and other tools.

**Authentication.** Every call sends `Authorization: Bearer <token>`. A project admin creates
tokens on the project's API page; a token is shown once, starts with `afp_`, belongs to one
project and acts with the rights of the admin who made it, for as long as they stay an admin.
A missing, malformed or revoked token gets 401; a URL naming another project gets 404.

**Errors.** Every 4xx and 5xx has the body
`{"error": {"code": "...", "message": "...", "details": {"fields": [...]} | null}}`.
A body that does not fit (wrong type, unknown field, a rule of the settings page) gets 400 with
each offending field named in `details.fields`.

**Rate limit.** Each token may make {rate_limit} requests a minute (AUTOFLOW_API_RATE_LIMIT, a
fixed window); more get 429 with `Retry-After` (seconds).

**Checks with Asana and GitHub.** Like the settings page, changing repositories or Asana
projects checks them with the service when the project has a token saved; when the service
cannot be asked the answer is 502 and nothing is saved.
"""


def responses(*statuses: int) -> Callable[[T], T]:
    """Document error statuses a route can answer beyond the shared ones (e.g. 502)."""

    def decorator(func: T) -> T:
        setattr(func, EXTRA_RESPONSES_ATTRIBUTE, statuses)
        return func

    return decorator


class ApiOpenAPIProvider(OpenAPIProvider):
    def generate_rules(self) -> Iterable[Rule]:
        for rule in super().generate_rules():
            if rule.rule.startswith(API_PREFIX) and rule.rule != OPENAPI_PATH:
                yield rule

    def operation_id(self, method: str, path: str, func: Callable) -> str | None:
        return func.__name__

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        parameter = super().build_path_parameter(name, converter)
        if isinstance(converter, IntegerConverter):
            for bound in ("minimum", "maximum"):
                value = getattr(converter, bound, None)
                if value is not None:
                    parameter["schema"][bound] = value
        return parameter

    def build_paths(self, rule: Rule) -> tuple[dict, dict]:
        garbled, components = super().build_paths(rule)
        paths = {PATH_VARIABLE.sub(r"{\1}", rule.rule): next(iter(garbled.values()))}
        func = self._app.view_functions[rule.endpoint]
        extra = getattr(func, EXTRA_RESPONSES_ATTRIBUTE, ())
        components.update(self._error_components())
        for operations in paths.values():
            for method, operation in list(operations.items()):
                operation = copy.deepcopy(operation)
                # 400 everywhere: any path or query holding a control character is refused
                # before routing (app/web/inputs.py), whatever the operation reads.
                statuses = {400, 401, 404, 429, 500, *extra}
                if "requestBody" in operation:
                    operation["requestBody"]["required"] = True
                for status in sorted(statuses):
                    operation["responses"].setdefault(str(status), self._error_response(status))
                if method == "delete":
                    operation["responses"].pop(200, None)
                    operation["responses"]["204"] = {"description": "Deleted."}
                operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
                operations[method] = operation
        return paths, components

    def _error_components(self) -> dict[str, Any]:
        schema = model_schema(ErrorResponse, schema_mode="serialization")
        definitions = schema.pop("$defs", {})
        return {**definitions, "ErrorResponse": schema}

    def _error_response(self, status: int) -> dict[str, Any]:
        response: dict[str, Any] = {
            "description": MESSAGES.get(status, "The service behind this call failed."),
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
            },
        }
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds until the token's window opens again.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
            }
        return response
