"""Contract testing the sandbox: record every answer it gives, know which route gave it, and
check bodies against a published schema.

`RecordingApi` is a small HTTP client that keeps each exchange with the route template that
served it (matched against the server's own route table), so a test can check that every route
was exercised and every body validated. `OpenApiSchemas` validates JSON against an OpenAPI 3.0
document (the subset of JSON Schema Asana's description uses: $ref, type, nullable, properties,
items, allOf/oneOf/anyOf, enum), strictly: a property the description does not list is an error,
so a misspelt field fails too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from multidict import CIMultiDict
from pydantic import BaseModel


@dataclass
class Exchange:
    method: str
    route: str  # the route template that served it, e.g. /repos/{owner}/{repo}/issues
    path: str
    query: dict[str, str]
    status: int
    headers: CIMultiDict[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def route_matcher(routes: list[tuple[str, str]]):
    """A function (method, path) -> route template, from a server's (method, template) list."""
    compiled = [
        (method, template, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"))
        for method, template in routes
    ]

    def match(method: str, path: str) -> str | None:
        for route_method, template, pattern in compiled:
            if route_method == method and pattern.match(path):
                return template
        return None

    return match


@dataclass
class RecordingApi:
    """Calls one sandbox server and records each exchange with its route template."""

    session: aiohttp.ClientSession
    base_url: str  # what paths are relative to
    routes: list[tuple[str, str]]  # (method, full path template) the server registered
    headers: dict[str, str]
    exchanges: list[Exchange] = field(default_factory=list)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        match = route_matcher(self.routes)
        url = self.base_url + path
        async with self.session.request(
            method, url, json=json_body, params=params, headers={**self.headers, **(headers or {})}
        ) as response:
            body = await response.read()
            route = match(method, response.url.path) or f"(no route) {response.url.path}"
            exchange = Exchange(
                method,
                route,
                response.url.path,
                dict(response.url.query),
                response.status,
                CIMultiDict(response.headers),
                body,
            )
        self.exchanges.append(exchange)
        return exchange

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call and insist on a 2xx; returns the JSON body."""
        exchange = await self.call(method, path, **kwargs)
        assert 200 <= exchange.status < 300, (method, path, exchange.status, exchange.body[:300])
        return exchange.json()


def undeclared_fields(model: Any, data: Any, where: str = "$") -> list[str]:
    """The keys of `data` that the pydantic model validated from it does not declare.

    Generated models ignore unknown keys, so validation alone would let a misspelt or invented
    field through; this walks the data beside the validated model and names them. Free-form
    objects (models without fields, e.g. a delivery's headers) are not looked into."""
    found: list[str] = []
    if isinstance(model, BaseModel) and isinstance(data, dict):
        fields = type(model).model_fields
        if not fields:
            return found
        names = {(info.alias or name): name for name, info in fields.items()}
        for key, value in data.items():
            if key not in names:
                found.append(f"{where}.{key}")
            else:
                found += undeclared_fields(getattr(model, names[key]), value, f"{where}.{key}")
    elif isinstance(model, list) and isinstance(data, list):
        for index, (item, value) in enumerate(zip(model, data, strict=False)):
            found += undeclared_fields(item, value, f"{where}[{index}]")
    return found


class OpenApiSchemas:
    """Validates JSON values against the schemas of an OpenAPI 3.0 document."""

    def __init__(
        self,
        document: dict[str, Any],
        *,
        null_in_prose: frozenset[str] = frozenset(),
        extras: frozenset[str] = frozenset(),
    ) -> None:
        self.document = document
        # Properties whose description says they may be null though the schema omits
        # `nullable`, and properties the service documents in its examples but not its schemas.
        self.null_in_prose = null_in_prose
        self.extras = extras

    @classmethod
    def load(cls, path: Path, **options: Any) -> OpenApiSchemas:
        return cls(json.loads(path.read_text()), **options)

    def schema(self, name: str) -> dict[str, Any]:
        return self.document["components"]["schemas"][name]

    def errors(
        self, value: Any, schema: dict[str, Any], where: str = "$", *, part: bool = False
    ) -> list[str]:
        """Every way `value` breaks `schema`, as readable lines (empty when it conforms).

        `part` is for one member of an allOf: its unknown-property check is left to the allOf,
        which knows the properties of all its members."""
        if "$ref" in schema:
            return self.errors(value, self._resolve(schema["$ref"]), where, part=part)
        if value is None:
            if self._nullable(schema) or not self._typed(schema):
                return []
            return [f"{where}: null where {self._describe(schema)} is expected"]
        found: list[str] = []
        if "allOf" in schema:
            for member in schema["allOf"]:
                found += self.errors(value, member, where, part=True)
            if not part:
                found += self._unknown(value, schema, where)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                options = [self.errors(value, s, where) for s in schema[key]]
                if all(options):
                    found.append(f"{where}: matches none of {key}: {min(options, key=len)}")
        kind = schema.get("type")
        if kind and not self._is(value, kind):
            return [*found, f"{where}: {value!r:.60} is not {kind}"]
        if "enum" in schema and value not in schema["enum"]:
            found.append(f"{where}: {value!r} not in {schema['enum']}")
        if kind == "array" and "items" in schema:
            for index, item in enumerate(value):
                found += self.errors(item, schema["items"], f"{where}[{index}]")
        if isinstance(value, dict) and "properties" in schema:
            for name, item in value.items():
                if item is None and name in self.null_in_prose:
                    continue
                if name in schema["properties"]:
                    found += self.errors(item, schema["properties"][name], f"{where}.{name}")
            if "allOf" not in schema and not part:
                found += self._unknown(value, schema, where)
        return found

    def _nullable(self, schema: dict[str, Any]) -> bool:
        if "$ref" in schema:
            return self._nullable(self._resolve(schema["$ref"]))
        return bool(schema.get("nullable")) or any(
            self._nullable(member) for member in schema.get("allOf", [])
        )

    def _unknown(self, value: Any, schema: dict[str, Any], where: str) -> list[str]:
        """Properties that no part of the schema lists (a misspelt or invented field)."""
        if not isinstance(value, dict) or schema.get("additionalProperties"):
            return []
        known = self._known(schema)
        if known is None:
            return []
        return [
            f"{where}.{name}: not in the schema"
            for name in value
            if name not in known and name not in self.extras
        ]

    def _known(self, schema: dict[str, Any]) -> set[str] | None:
        """The property names a schema lists; None for a free-form object."""
        if "$ref" in schema:
            return self._known(self._resolve(schema["$ref"]))
        if "allOf" in schema:
            members = [self._known(member) for member in schema["allOf"]]
            listed = [m for m in members if m is not None]
            return set().union(*listed) if listed else None
        names: set[str] = set(schema.get("properties", {}))
        return names or None

    def _resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def _typed(self, schema: dict[str, Any]) -> bool:
        if "$ref" in schema:
            return self._typed(self._resolve(schema["$ref"]))
        return "type" in schema or any(k in schema for k in ("allOf", "oneOf", "anyOf"))

    @staticmethod
    def _describe(schema: dict[str, Any]) -> str:
        return str(schema.get("type") or "a value")

    @staticmethod
    def _is(value: Any, kind: str) -> bool:
        checks = {
            "object": lambda v: isinstance(v, dict),
            "array": lambda v: isinstance(v, list),
            "string": lambda v: isinstance(v, str),
            "boolean": lambda v: isinstance(v, bool),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        }
        return checks[kind](value)
