"""Cut the parts of Asana's OpenAPI description that the sandbox serves out of the full file.

Source: https://github.com/Asana/openapi, `defs/asana_oas.yaml` (66k lines). We keep only the
operations in OPERATIONS, their responses, their documented `opt_fields`, and every component
they reference, in `asana_openapi.json` beside this script, with the source commit noted.

Run it again to refresh (needs PyYAML, which the project itself does not use):

    python3 tests/integrations/schemas/vendor_asana_openapi.py path/to/asana_oas.yaml COMMIT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

OPERATIONS = [
    ("/users/{user_gid}", "get"),
    ("/workspaces", "get"),
    ("/projects", "get"),
    ("/projects/{project_gid}", "get"),
    ("/projects/{project_gid}/custom_field_settings", "get"),
    ("/projects/{project_gid}/tasks", "get"),
    ("/custom_fields/{custom_field_gid}", "get"),
    ("/custom_fields/{custom_field_gid}/enum_options", "post"),
    ("/tasks", "get"),
    ("/tasks", "post"),
    ("/tasks/{task_gid}", "get"),
    ("/tasks/{task_gid}", "put"),
    ("/tasks/{task_gid}", "delete"),
    ("/tasks/{task_gid}/stories", "get"),
    ("/tasks/{task_gid}/stories", "post"),
    ("/webhooks", "get"),
    ("/webhooks", "post"),
    ("/webhooks/{webhook_gid}", "get"),
    ("/webhooks/{webhook_gid}", "put"),
    ("/webhooks/{webhook_gid}", "delete"),
    ("/events", "get"),
]
EXTRA_SCHEMAS = ["EventResponse"]  # what webhook deliveries carry: {"events": [EventResponse]}


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for value in node.values():
            found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def strip(node: Any) -> Any:
    """Drop prose and examples: only what validation needs stays."""
    if isinstance(node, dict):
        return {
            k: strip(v)
            for k, v in node.items()
            if k not in ("description", "example", "examples", "x-docs-overrides", "summary")
        }
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def opt_fields(document: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = resolve(document, parameter["$ref"])
        if parameter.get("name") == "opt_fields":
            return list(parameter["schema"]["items"].get("enum", []))
    return []


def main(source: str, commit: str) -> None:
    document = yaml.safe_load(Path(source).read_text())
    paths: dict[str, dict[str, Any]] = {}
    pending: set[str] = {f"#/components/schemas/{name}" for name in EXTRA_SCHEMAS}
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        responses = {str(code): strip(r) for code, r in operation["responses"].items()}
        paths.setdefault(path, {})[method] = {
            "operationId": operation["operationId"],
            "responses": responses,
            "opt_fields": opt_fields(document, operation),
        }
        pending |= refs(responses)
    components: dict[str, dict[str, Any]] = {}
    done: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in done:
            continue
        done.add(ref)
        _, _, kind, name = ref.split("/")
        node = strip(resolve(document, ref))
        components.setdefault(kind, {})[name] = node
        pending |= refs(node) - done
    vendored = {
        "openapi": document["openapi"],
        "info": {
            "title": document["info"]["title"],
            "version": document["info"]["version"],
            "x-source": "https://github.com/Asana/openapi/blob/master/defs/asana_oas.yaml",
            "x-source-commit": commit,
            "x-vendored-by": "tests/integrations/schemas/vendor_asana_openapi.py",
        },
        "paths": paths,
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }
    out = Path(__file__).with_name("asana_openapi.json")
    out.write_text(json.dumps(vendored, indent=1, sort_keys=False) + "\n")
    print(f"wrote {out} ({len(done)} components)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
