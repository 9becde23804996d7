"""curl examples for every operation of the OpenAPI document, for the project's API page.

They are made from the document itself, so a new endpoint gets its example without anyone
remembering to write one. The token stays a placeholder (`$AUTOFLOW_TOKEN`): tokens are shown
once, at creation, and never again.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

METHOD_ORDER = ("get", "post", "put", "patch", "delete")
PLACEHOLDERS = {"owner": "OWNER", "name": "REPO", "gid": "1203456789012345"}


@dataclass(frozen=True)
class CurlExample:
    operation_id: str
    method: str
    path: str
    summary: str
    tag: str
    command: str


def _body_example(operation: dict[str, Any], schemas: dict[str, Any]) -> Any | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    examples = schema.get("examples") or [{}]
    return examples[0]


def _fill(path: str, slug: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "slug":
            return slug
        if name.endswith("_id"):
            return "1"
        return PLACEHOLDERS.get(name, name.upper())

    return re.sub(r"\{([^}]+)\}", value, path)


def curl_examples(spec: dict[str, Any], base_url: str, slug: str) -> list[CurlExample]:
    schemas = spec.get("components", {}).get("schemas", {})
    examples = []
    for path, operations in spec.get("paths", {}).items():
        for method in METHOD_ORDER:
            operation = operations.get(method)
            if operation is None:
                continue
            url = base_url.rstrip("/") + _fill(path, slug)
            lines = [f"curl -sS -X {method.upper()} {shlex.quote(url)}"]
            lines.append('  -H "Authorization: Bearer $AUTOFLOW_TOKEN"')
            body = _body_example(operation, schemas)
            if body is not None:
                lines.append('  -H "Content-Type: application/json"')
                lines.append(f"  -d {shlex.quote(json.dumps(body))}")
            examples.append(
                CurlExample(
                    operation_id=operation.get("operationId", f"{method} {path}"),
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    tag=(operation.get("tags") or [""])[0],
                    command=" \\\n".join(lines),
                )
            )
    return examples
