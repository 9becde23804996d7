"""What holds for every operation of the OpenAPI document: no token or a revoked one is 401,
another project's token is 404, a body that does not fit is 400 naming the field, and every
error has the one shape. Operations are read from the document, so new ones are covered; each
test walks all of them on one database (a database per operation would be slow)."""

from __future__ import annotations

from app.services import api_tokens
from tests.api.spec import document, operations, with_body

ALL = operations()
WITH_BODY = with_body()


def error_problem(status: int, body, expected: int) -> str | None:
    """Why a response is not the expected error in the one shape; None when it is."""
    if status != expected:
        return f"status {status}, expected {expected}: {body}"
    if not isinstance(body, dict) or set(body) != {"error"}:
        return f"not the error shape: {body}"
    error = body["error"]
    if set(error) != {"code", "message", "details"} or not error["message"]:
        return f"not the error shape: {body}"
    return None


def fields_of(body) -> list[str]:
    return [f["field"] for f in ((body["error"]["details"] or {}).get("fields") or [])]


def example(operation) -> dict:
    return dict((operation.body_schema.get("examples") or [{}])[0])


def test_the_document_lists_every_api_route(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(ALL) == len(rules) >= 25
    assert document()["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document()["security"] == [{"bearerAuth": []}]
    for operation in ALL:
        responses = document()["paths"][operation.path][operation.method.lower()]["responses"]
        assert {"401", "404", "429", "500"} <= set(responses), operation
        assert "Retry-After" in responses["429"]["headers"]


async def test_every_operation_answers_401_without_a_token(api, world):
    problems = {}
    for operation in ALL:
        status, body, headers = await api.call(operation.method, operation.url(world), token=None)
        problem = error_problem(status, body, 401)
        if problem is None and not headers.get("WWW-Authenticate", "").startswith("Bearer"):
            problem = "no WWW-Authenticate: Bearer"
        if problem:
            problems[str(operation)] = problem
    assert problems == {}


async def test_every_operation_answers_401_to_a_malformed_or_unknown_token(api, world):
    problems = {}
    for operation in ALL:
        for token in ("not-a-token", api_tokens.new_token_value()):
            status, body, _ = await api.call(operation.method, operation.url(world), token=token)
            if problem := error_problem(status, body, 401):
                problems[f"{operation} {token[:6]}"] = problem
    assert problems == {}


async def test_every_operation_answers_401_to_a_revoked_token(api, world, cast):
    token_id = (await api_tokens.list_tokens(cast["acme"].id))[0].id
    await api_tokens.revoke_token(cast["acme"].id, token_id)
    problems = {}
    for operation in ALL:
        status, body, _ = await api.call(operation.method, operation.url(world))
        if problem := error_problem(status, body, 401):
            problems[str(operation)] = problem
    assert problems == {}


async def test_every_operation_answers_404_to_another_projects_token(api, world, other_token):
    problems = {}
    for operation in ALL:
        status, body, _ = await api.call(
            operation.method,
            operation.url(world),
            example(operation) if operation.body_schema else None,
            token=other_token,
        )
        if problem := error_problem(status, body, 404):
            problems[str(operation)] = problem
    assert problems == {}


async def test_every_operation_answers_404_for_a_project_that_does_not_exist(api, world):
    problems = {}
    for operation in ALL:
        status, body, _ = await api.call(operation.method, operation.url(world, slug="nope"))
        if problem := error_problem(status, body, 404):
            problems[str(operation)] = problem
    assert problems == {}


async def test_every_body_refuses_an_unknown_field_naming_it(api, world):
    problems = {}
    for operation in WITH_BODY:
        status, body, _ = await api.call(
            operation.method, operation.url(world), {"surprise": 1, **example(operation)}
        )
        problem = error_problem(status, body, 400)
        if problem is None and "surprise" not in fields_of(body):
            problem = f"field not named: {body}"
        if problem:
            problems[str(operation)] = problem
    assert problems == {}


async def test_every_body_refuses_each_field_of_the_wrong_type_naming_it(api, world):
    problems = {}
    for operation in WITH_BODY:
        for field in operation.body_schema["properties"]:
            status, body, _ = await api.call(
                operation.method, operation.url(world), {**example(operation), field: {"x": []}}
            )
            problem = error_problem(status, body, 400)
            if problem is None and (
                field not in fields_of(body) or field not in body["error"]["message"]
            ):
                problem = f"field not named: {body}"
            if problem:
                problems[f"{operation}.{field}"] = problem
    assert problems == {}


async def test_every_body_refuses_a_missing_required_field_naming_it(api, world):
    problems = {}
    for operation in WITH_BODY:
        for required in operation.body_schema.get("required", []):
            partial = {k: v for k, v in example(operation).items() if k != required}
            status, body, _ = await api.call(operation.method, operation.url(world), partial)
            problem = error_problem(status, body, 400)
            if problem is None and required not in fields_of(body):
                problem = f"field not named: {body}"
            if problem:
                problems[f"{operation}.{required}"] = problem
    assert problems == {}


async def test_every_body_that_is_not_json_or_not_an_object_is_400(api, world):
    problems = {}
    for operation in WITH_BODY:
        for raw in ("{not json", "[1, 2]", ""):
            status, body, _ = await api.call(
                operation.method,
                operation.url(world),
                data=raw,
                headers={"Content-Type": "application/json"},
            )
            if problem := error_problem(status, body, 400):
                problems[f"{operation} {raw!r}"] = problem
    assert problems == {}


async def test_unknown_paths_and_methods_answer_in_the_error_shape(api, world):
    status, body, _ = await api.get("/api/v1/nothing-here")
    assert error_problem(status, body, 404) is None
    status, body, headers = await api.put("/api/v1/projects/acme/links", {})
    assert error_problem(status, body, 405) is None
    assert "POST" in headers["Allow"]
    status, body, _ = await api.get("/api/v1/projects/acme/links/99999999999")
    assert error_problem(status, body, 404) is None


async def test_an_unexpected_failure_is_500_in_the_error_shape(app, api, world):
    async def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    status, body, _ = await api.get("/api/v1/boom")
    assert error_problem(status, body, 500) is None
    assert "a bug" not in body["error"]["message"]


async def test_the_openapi_document_is_served_as_json_without_a_token(api):
    status, body, headers = await api.get("/api/v1/openapi.json", token=None)
    assert status == 200 and body["openapi"].startswith("3.1")
    assert headers["Content-Type"].startswith("application/json")
    assert all(path.startswith("/api/v1/projects/") for path in body["paths"])
