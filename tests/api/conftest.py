"""The cast of the API tests: an admin's project `acme` with a token, an editor and a viewer
in it, and an outsider's project `other` with a token of its own."""

from __future__ import annotations

import json as json_module
from dataclasses import dataclass
from typing import Any

import pytest

from app.services import api_tokens
from app.services.projects import Role

SAME = object()  # "the client's own token"


@dataclass
class Api:
    """A client of /api/v1 with one token (or none)."""

    client: Any
    token: str | None

    def _headers(self, token: Any) -> dict[str, str]:
        token = self.token if token is SAME else token
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def call(
        self, method: str, path: str, json: Any = None, *, token: Any = SAME, headers=None, **kw
    ):
        if json is not None:
            kw["json"] = json
        response = await self.client.open(
            path, method=method, headers={**self._headers(token), **(headers or {})}, **kw
        )
        raw = await response.get_data(as_text=True)
        try:
            body = json_module.loads(raw) if raw else None
        except ValueError:
            body = raw
        return response.status_code, body, response.headers

    async def get(self, path: str, **kw):
        return await self.call("GET", path, **kw)

    async def post(self, path: str, json: Any = None, **kw):
        return await self.call("POST", path, json, **kw)

    async def patch(self, path: str, json: Any = None, **kw):
        return await self.call("PATCH", path, json, **kw)

    async def put(self, path: str, json: Any = None, **kw):
        return await self.call("PUT", path, json, **kw)

    async def delete(self, path: str, **kw):
        return await self.call("DELETE", path, **kw)


@pytest.fixture
async def cast(make_user, make_project, add_member):
    admin = await make_user("admin")
    editor = await make_user("editor")
    viewer = await make_user("viewer")
    outsider = await make_user("outsider")
    acme = await make_project(admin, slug="acme", name="Acme")
    other = await make_project(outsider, slug="other", name="Other")
    await add_member(acme, editor, Role.EDITOR)
    await add_member(acme, viewer, Role.VIEWER)
    return {
        "admin": admin,
        "editor": editor,
        "viewer": viewer,
        "outsider": outsider,
        "acme": acme,
        "other": other,
    }


@pytest.fixture
async def token(cast, app) -> str:
    """A token of `acme`, made by its admin."""
    _, value = await api_tokens.create_token(cast["acme"].id, "ci", cast["admin"].id)
    return value


@pytest.fixture
async def other_token(cast, app) -> str:
    _, value = await api_tokens.create_token(cast["other"].id, "theirs", cast["outsider"].id)
    return value


@pytest.fixture
def api(app, token) -> Api:
    return Api(app.test_client(), token)


@pytest.fixture
async def world(cast, app) -> dict[str, int]:
    """One of everything in `acme`; the ids name them in URLs (see tests/api/spec.py)."""
    from app.services import knowledge
    from app.services import project_config_writes as writes
    from app.services.project_config_input import AsanaInput

    acme = cast["acme"].id
    await writes.save_repos(acme, ["acme/api", "acme/web", "acme/ops"])
    await writes.save_asana_config(
        acme, AsanaInput(None, ["1203456789012345"], None, None, None, None), {}
    )
    link = await knowledge.add_link(acme, {"url": "https://docs.example", "title": "Docs"})
    contact = await knowledge.add_contact(acme, {"role": "Lead", "name": "Ada"})
    note = await knowledge.add_note(acme, {"title": "N", "markdown": "x"}, cast["admin"].id)
    return {"link_id": link.id, "contact_id": contact.id, "note_id": note.id}
