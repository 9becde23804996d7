"""Talking to the app like a browser: forms with their CSRF token, htmx requests, HTML read
with CSS selectors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup
from quart.typing import TestClientProtocol


def html(body: str | bytes) -> BeautifulSoup:
    return BeautifulSoup(body, "html.parser")


def csrf_in(page: BeautifulSoup) -> str | None:
    tag = page.select_one("input[name=csrf_token]")
    if tag is not None:
        return tag["value"]
    body = page.select_one("body[hx-headers]")
    if body is not None:
        return json.loads(body["hx-headers"]).get("X-CSRF-Token")
    return None


@dataclass
class Response:
    status: int
    headers: Any
    text: str
    page: BeautifulSoup = field(repr=False)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def select(self, selector: str) -> list:
        return self.page.select(selector)

    def select_one(self, selector: str):
        return self.page.select_one(selector)

    def texts(self, selector: str) -> list[str]:
        return [" ".join(node.get_text(" ").split()) for node in self.page.select(selector)]


class Visitor:
    """One browser: a cookie jar, the last CSRF token it saw, and helpers."""

    def __init__(self, client: TestClientProtocol, address: str = "192.0.2.10"):
        self.client = client
        self.csrf: str | None = None
        # The client address the server sees (ASGI scope "client").
        self.scope = {"client": (address, 50000)}

    async def _wrap(self, response) -> Response:
        body = await response.get_data(as_text=True)
        page = html(body)
        token = csrf_in(page)
        if token:
            self.csrf = token
        return Response(response.status_code, response.headers, body, page)

    async def get(self, path: str, *, htmx: bool = False) -> Response:
        headers = {"HX-Request": "true"} if htmx else {}
        return await self._wrap(await self.client.get(path, headers=headers, scope_base=self.scope))

    async def post(
        self,
        path: str,
        data: dict[str, str | list[str]] | None = None,
        *,
        htmx: bool = False,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Response:
        form = dict(data or {})
        if csrf:
            if self.csrf is None:
                await self.get("/login")
            form.setdefault("csrf_token", self.csrf or "")
        all_headers = {"HX-Request": "true"} if htmx else {}
        all_headers.update(headers or {})
        # A list value sends the field once per item, as a form with repeated names does.
        pairs = [
            (key, item)
            for key, value in form.items()
            for item in (value if isinstance(value, list) else [value])
        ]
        return await self._wrap(
            await self.client.post(
                path,
                form=pairs,  # type: ignore[arg-type]  # urlencode takes pairs as well
                headers=all_headers,
                scope_base=self.scope,
            )
        )

    async def login(self, username: str, password: str) -> Response:
        await self.get("/login")
        response = await self.post("/login", {"username": username, "password": password})
        if response.status == 303:
            await self.get("/app")  # pick up the session's CSRF token
        return response

    def cookie(self, name: str) -> str | None:
        jar = self.client.cookie_jar
        for cookie in jar:
            if cookie.name == name:
                return cookie.value
        return None
