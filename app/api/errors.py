"""The one JSON error shape of /api/: `{"error": {"code", "message", "details"}}`.

Every 4xx and 5xx under /api/ goes through `error_response`, whether it starts here (a bad
token, a refused value), in quart-schema (a body that does not fit the schema) or in Quart's
routing (no such path, wrong method; see app/web/errors.py). A test walks every /api route to
hold this.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from quart import Quart, Response, jsonify
from quart_schema import RequestSchemaValidationError

CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    502: "upstream_error",
}

MESSAGES = {
    400: "The request is not valid.",
    401: "Send a valid API token: Authorization: Bearer afp_...",
    403: "The token may not do this.",
    404: "Not found, or not in this token's project.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    429: "Too many requests for this token; wait and try again.",
    500: "Something went wrong on our side; it was logged.",
}


class FieldError(BaseModel):
    field: str = Field(description="The field, as a dotted path into the body (`repos.1`).")
    message: str


class ErrorDetails(BaseModel):
    fields: list[FieldError] = Field(default_factory=list)
    retry_after_seconds: int | None = None


class ErrorInfo(BaseModel):
    code: str = Field(description="A stable, machine-readable code: " + ", ".join(CODES.values()))
    message: str = Field(description="What went wrong, in words for a person.")
    details: ErrorDetails | None = None


class ErrorResponse(BaseModel):
    """An error: the status code says what kind, `error.code` says it for machines."""

    error: ErrorInfo


class ApiProblem(Exception):
    """Raised by API routes and their helpers; turned into the error shape in one place."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message or MESSAGES.get(status, "Error"))
        self.status = status
        self.message = message or MESSAGES.get(status, "Error")
        self.fields = fields or {}
        self.headers = headers or {}
        self.retry_after = retry_after


def error_response(
    status: int,
    message: str | None = None,
    *,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    retry_after: int | None = None,
) -> Response:
    details: dict[str, Any] | None = None
    if fields or retry_after is not None:
        details = {
            "fields": [{"field": k, "message": v} for k, v in (fields or {}).items()],
            "retry_after_seconds": retry_after,
        }
    body = {
        "error": {
            "code": CODES.get(status, "client_error" if status < 500 else "server_error"),
            "message": message or MESSAGES.get(status, "Error"),
            "details": details,
        }
    }
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_fields(error: Exception) -> dict[str, str]:
    """Field path -> message from quart-schema's wrapped pydantic error."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return {"body": "The body must be a JSON object matching the schema."}
    fields: dict[str, str] = {}
    for item in errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item.get("loc", ())) or "body"
        fields.setdefault(path, item.get("msg", "invalid"))
    return fields


async def not_utf8(error: UnicodeDecodeError) -> Response:
    # Quart decodes the body before parsing JSON and lets the UnicodeDecodeError escape (a 500);
    # it is the client's malformed body. Registered on the API blueprints only.
    return error_response(400, "The body is not UTF-8 encoded JSON.", fields={"body": str(error)})


def install(app: Quart) -> None:
    @app.errorhandler(ApiProblem)
    async def api_problem(problem: ApiProblem) -> Response:
        return error_response(
            problem.status,
            problem.message,
            fields=problem.fields,
            headers=problem.headers,
            retry_after=problem.retry_after,
        )

    @app.errorhandler(RequestSchemaValidationError)
    async def invalid_body(error: RequestSchemaValidationError) -> Response:
        fields = validation_fields(error.validation_error)
        first = next(iter(fields.items()))
        return error_response(400, f"{first[0]}: {first[1]}", fields=fields)
