"""The Asana sandbox answers and sends what Asana's OpenAPI description documents: every REST
route, every status it answers, and every webhook delivery, validated against the vendored
subset of the official description (`schemas/asana_openapi.json`, with its source commit).

Validation is strict: a property the description does not list fails, so a misspelt or
invented field does too. A route added to `AsanaSandbox.api_routes()` that the description
does not document, or that the walk below never exercises, fails the test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.sandbox.asana_fields import DOCUMENTED_FIELDS, PAGING
from app.sandbox.asana_server import API_PREFIX
from app.sandbox.runner import ASANA_TOKEN
from tests.support.contract import OpenApiSchemas, RecordingApi

SPEC = OpenApiSchemas.load(
    Path(__file__).with_name("schemas") / "asana_openapi.json",
    # The event's `parent` "will be null for other event types" (EventResponse), and a webhook
    # never delivered to has no last success or failure, though the schemas omit `nullable`.
    null_in_prose=frozenset(("parent", "last_success_at", "last_failure_at")),
    # Asana's own webhook examples show an event resource's resource_subtype, which the
    # description's AsanaNamedResource does not list.
    # Reference: https://developers.asana.com/docs/webhooks-guide (the example event)
    extras=frozenset(("resource_subtype",)),
)
# A list answers compact records, but opt_fields may ask for any field of the full record.
FULL_RECORDS = {
    "#/components/schemas/TaskCompact": "#/components/schemas/TaskResponse",
    "#/components/schemas/ProjectCompact": "#/components/schemas/ProjectResponse",
    "#/components/schemas/StoryCompact": "#/components/schemas/StoryResponse",
    "#/components/schemas/WebhookCompact": "#/components/schemas/WebhookResponse",
    "#/components/schemas/CustomFieldSettingCompact": (
        "#/components/schemas/CustomFieldSettingResponse"
    ),
}
# Which operation's opt_fields each resource's documented field list comes from.
FIELD_SOURCES = {
    "user": ("/users/{}", "get"),
    "workspace": ("/workspaces", "get"),
    "project": ("/projects/{}", "get"),
    "custom_field_setting": ("/projects/{}/custom_field_settings", "get"),
    "custom_field": ("/custom_fields/{}", "get"),
    "enum_option": ("/custom_fields/{}/enum_options", "post"),
    "task": ("/tasks/{}", "get"),
    "story": ("/tasks/{}/stories", "post"),
    "webhook": ("/webhooks/{}", "get"),
    "event": ("/events", "get"),
}


def shape(template: str) -> str:
    """A path template with its parameter names erased, so ours and Asana's compare."""
    return re.sub(r"\{[^}]+\}", "{}", template.removeprefix(API_PREFIX)).replace("/me", "/{}")


OPERATIONS = {
    (method.upper(), shape(path)): operation
    for path, methods in SPEC.document["paths"].items()
    for method, operation in methods.items()
}


def response_schema(
    method: str, route: str, status: int, *, full: bool = False
) -> dict[str, Any] | None:
    responses = OPERATIONS[(method, shape(route))]["responses"]
    documented = responses.get(str(status))
    if documented is None:
        return None
    if "$ref" in documented:
        documented = SPEC._resolve(documented["$ref"])
    schema = documented["content"]["application/json"]["schema"]
    return json.loads(json.dumps(schema), object_hook=expand) if full else schema


def expand(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("$ref") in FULL_RECORDS:
        return {"$ref": FULL_RECORDS[node["$ref"]]}
    return node


@pytest.fixture
def api(sandbox, http_session) -> RecordingApi:
    routes = [(m, API_PREFIX + p) for m, p, _ in sandbox.asana.api_routes()]
    headers = {"Authorization": f"Bearer {ASANA_TOKEN}"}
    return RecordingApi(http_session, sandbox.asana.base_url, routes, headers)


async def walk_every_route(api: RecordingApi, sandbox, receiver) -> None:
    seed = sandbox.seed
    project = seed.project_gid
    await api.ok("GET", "/users/me")
    await api.ok("GET", "/workspaces")
    await api.ok("GET", "/projects", params={"workspace": seed.workspace_gid})
    await api.ok("GET", f"/projects/{project}")
    await api.ok(
        "GET", f"/projects/{project}/custom_field_settings", params={"opt_fields": "custom_field"}
    )
    await api.ok("GET", f"/custom_fields/{seed.repo_field_gid}")
    await api.ok(
        "POST",
        f"/custom_fields/{seed.repo_field_gid}/enum_options",
        json_body={"data": {"name": "sandbox-org/api"}},
    )
    webhook = (
        await api.ok(
            "POST", "/webhooks", json_body={"data": {"resource": project, "target": receiver.url()}}
        )
    )["data"]
    await api.ok("GET", "/webhooks", params={"workspace": seed.workspace_gid})
    await api.ok("GET", f"/webhooks/{webhook['gid']}")
    filters = [{"resource_type": "task", "action": "changed", "fields": ["custom_fields"]}]
    await api.ok("PUT", f"/webhooks/{webhook['gid']}", json_body={"data": {"filters": filters}})
    await api.ok("PUT", f"/webhooks/{webhook['gid']}", json_body={"data": {"filters": []}})
    expired = await api.call("GET", "/events", params={"resource": project})
    assert expired.status == 412
    task = (
        await api.ok(
            "POST",
            "/tasks",
            json_body={"data": {"projects": [project], "name": "Export CSV", "notes": "Please"}},
        )
    )["data"]
    await api.ok(
        "PUT",
        f"/tasks/{task['gid']}",
        json_body={
            "data": {
                "name": "Export CSV files",
                "notes": "Please, in UTF-8",
                "completed": True,
                "custom_fields": {
                    seed.autotask_field_gid: seed.autotask_yes_gid,
                    seed.repo_field_gid: seed.repo_option_gid,
                },
            }
        },
    )
    await api.ok("POST", f"/tasks/{task['gid']}/stories", json_body={"data": {"text": "Hi"}})
    await api.ok("GET", "/events", params={"resource": project, "sync": expired.json()["sync"]})
    await api.ok("GET", f"/tasks/{task['gid']}")
    await api.ok("GET", f"/tasks/{task['gid']}/stories")
    fields = "name,modified_at,custom_fields.enum_value.name,custom_fields.display_value"
    await api.ok(
        "GET",
        "/tasks",
        params={"project": project, "modified_since": "2020-01-01T00:00:00Z", "opt_fields": fields},
    )
    await api.ok("POST", "/tasks", json_body={"data": {"projects": [project], "name": "Two"}})
    page = await api.ok(
        "GET", f"/projects/{project}/tasks", params={"limit": "1", "opt_fields": fields}
    )
    await api.ok(
        "GET",
        f"/projects/{project}/tasks",
        params={"limit": "1", "opt_fields": fields, "offset": page["next_page"]["offset"]},
    )
    await api.ok("DELETE", f"/tasks/{task['gid']}")
    await sandbox.asana.send_heartbeats()
    await sandbox.settle()
    await api.ok("DELETE", f"/webhooks/{webhook['gid']}")


async def test_every_route_answers_in_asanas_documented_shapes(api, sandbox, webhook_receiver):
    await walk_every_route(api, sandbox, webhook_receiver)
    project = sandbox.seed.project_gid
    await api.call("GET", "/tasks/1")  # 404
    await api.call("GET", "/tasks")  # 400: no project
    await api.call("GET", "/tasks", params={"project": project, "opt_fields": "nmae"})  # 400
    await api.call("GET", "/tasks", params={"project": project, "limit": "101"})  # 400
    await api.call("GET", "/users/me", headers={"Authorization": "Bearer wrong"})  # 401

    served = {(m, API_PREFIX + p) for m, p, _ in sandbox.asana.api_routes()}
    undocumented = {r for r in served if (r[0], shape(r[1])) not in OPERATIONS}
    assert not undocumented, f"routes Asana does not document: {undocumented}"
    answered = {(e.method, e.route) for e in api.exchanges if 200 <= e.status < 300}
    assert served <= answered, f"routes never exercised: {sorted(served - answered)}"
    problems = []
    for exchange in api.exchanges:
        full = "opt_fields" in exchange.query
        schema = response_schema(exchange.method, exchange.route, exchange.status, full=full)
        if schema is None:
            problems.append(f"{exchange.method} {exchange.route}: {exchange.status} undocumented")
            continue
        for error in SPEC.errors(exchange.json(), schema):
            problems.append(f"{exchange.method} {exchange.route} {exchange.status}: {error}")
    assert not problems, "\n".join(problems)


async def test_every_webhook_delivery_is_a_list_of_documented_events(
    api, sandbox, webhook_receiver
):
    await walk_every_route(api, sandbox, webhook_receiver)

    sent = sandbox.asana.events.payloads
    kinds = {
        (e["action"], e["resource"]["resource_type"], (e.get("change") or {}).get("field"))
        for payload in sent
        for e in payload["events"]
    }
    assert kinds >= {
        ("added", "task", None),
        ("added", "story", None),
        ("changed", "task", "name"),
        ("changed", "task", "notes"),
        ("changed", "task", "completed"),
        ("changed", "task", "custom_fields"),
        ("deleted", "task", None),
    }
    assert {"events": []} in sent  # the heartbeat
    problems = []
    event = {"$ref": "#/components/schemas/EventResponse"}
    for payload in sent:
        assert set(payload) == {"events"}
        for item in payload["events"]:
            problems += SPEC.errors(item, event, f"{item['action']} {item['resource']}")
            for key in ("new_value", "added_value", "removed_value"):
                value = (item.get("change") or {}).get(key)
                if value is not None and set(value) != {"gid", "resource_type"}:
                    problems.append(f"{key} in a webhook carries more than gid and resource_type")
    assert not problems, "\n".join(problems)


def test_the_opt_fields_the_sandbox_accepts_are_the_documented_ones():
    for resource, (path, method) in FIELD_SOURCES.items():
        documented = OPERATIONS[(method.upper(), path)]["opt_fields"]
        names = {f.split(".")[0] for f in documented} - PAGING
        assert DOCUMENTED_FIELDS[resource] == names, resource
