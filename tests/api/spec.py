"""The operations of our own OpenAPI document, read once at collection, so the tests that
must hold for every endpoint cover new endpoints without being told."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.main import create_app
from app.settings import Settings

# Values for path variables: each names something the `world` fixture creates in `acme`.
PATH_VALUES = {"owner": "acme", "name": "api", "gid": "1203456789012345"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the template, e.g. /api/v1/projects/{slug}/links/{link_id}
    operation_id: str
    body_schema: dict[str, Any] | None

    def url(self, ids: dict[str, int], slug: str = "acme") -> str:
        def value(match: re.Match) -> str:
            name = match.group(1)
            if name == "slug":
                return slug
            if name in ids:
                return str(ids[name])
            return PATH_VALUES[name]

        return re.sub(r"\{([^}]+)\}", value, self.path)

    def __str__(self) -> str:
        return self.operation_id


@cache
def document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="autoflow-spec-") as folder:
        app = create_app(Settings.from_env({"AUTOFLOW_DATA_DIR": folder}))
        return app.extensions["QUART_SCHEMA"].openapi_provider.schema()


def operations() -> list[Operation]:
    found = []
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            found.append(
                Operation(
                    method.upper(), path, operation["operationId"], (body or {}).get("schema")
                )
            )
    return found


def with_body() -> list[Operation]:
    return [op for op in operations() if op.body_schema is not None]
