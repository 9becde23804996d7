"""How the GitHub sandbox speaks: GitHub's error body, access checks, JSON bodies and pagination.

`GitHubApi` is the base that the sandbox and its endpoint groups (`github_issue_endpoints`,
`github_pull_endpoints`, `github_hook_endpoints`) share: the world they serve, the helpers every
handler uses to read a request and shape its answer, and `fire` to send a webhook event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.agent import OpenCodeAgent
from app.sandbox.delivery import WebhookSender
from app.sandbox.faults import ResponseFault
from app.sandbox.github_events import GitHubEventSender
from app.sandbox.server import json_response

PERMISSION_RANK = {"read": 1, "write": 2, "admin": 3}
ACCOUNT = web.RequestKey("account", store.Account | None)  # None: no token given


class GitHubError(Exception):
    """Raised by a handler; rendered as GitHub's `{"message", "documentation_url"}` body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.errors, self.headers = status, message, errors, headers


def error_response(status: int, message: str, errors=None, headers=None) -> web.Response:
    # Reference: https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api
    body: dict[str, Any] = {
        "message": message,
        "documentation_url": store.DOCS_URL,
        "status": str(status),
    }
    if errors:
        body["errors"] = errors
    return json_response(body, status=status, headers=headers)


def render_fault(fault: ResponseFault) -> web.Response:
    # Reference: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
    if fault.kind == "rate_limit" and fault.primary:
        reset = int(time.time()) + fault.retry_after
        return error_response(
            403,
            "API rate limit exceeded for user ID 1.",
            headers={
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        )
    if fault.kind == "rate_limit":
        return error_response(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            headers={"Retry-After": str(fault.retry_after)},
        )
    return error_response(fault.status, "Server Error")


def validation_failed(resource: str, field: str, code: str) -> GitHubError:
    return GitHubError(
        422, "Validation Failed", errors=[{"resource": resource, "field": field, "code": code}]
    )


class GitHubApi:
    """The world a GitHub sandbox serves, and the request and response helpers of its handlers."""

    # Set by `GitHubSandbox.__init__`; declared here for the endpoint groups that use them.
    world: store.GitHubWorld
    sender: WebhookSender
    events: GitHubEventSender
    agent: OpenCodeAgent

    @property
    def base_url(self) -> str:
        """What a client uses in place of https://api.github.com."""
        raise NotImplementedError  # only the running server knows its address

    def _repo(self, request: web.Request, need: str = "read") -> store.Repo:
        """The repository, or 404 when it is missing or private to this caller (as GitHub does)."""
        full_name = f"{request.match_info['owner']}/{request.match_info['repo']}".lower()
        repo = self.world.repos.get(full_name)
        account = request[ACCOUNT]
        permission = self.world.permission(repo, account.login) if repo and account else None
        if repo is None or permission is None:
            raise GitHubError(404, "Not Found")
        if PERMISSION_RANK[permission] < PERMISSION_RANK[need]:
            if need == "admin":
                raise GitHubError(404, "Not Found")  # hooks are invisible to non-admins
            raise GitHubError(403, "Resource not accessible by personal access token")
        return repo

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise GitHubError(400, "Problems parsing JSON") from None

    def _paginate(
        self,
        request: web.Request,
        items: list[Any],
        *,
        wrap: Callable[[list[Any]], Any] | None = None,
    ):
        # Reference: https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
        per_page = min(max(int(request.query.get("per_page", "30") or 30), 1), 100)
        page = max(int(request.query.get("page", "1") or 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        for rel, target in (("next", page + 1), ("last", last)):
            if page < last:
                query = {**request.query, "page": str(target)}
                links.append(f'<{self.base_url}{request.path}?{urlencode(query)}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else None
        return json_response(wrap(chunk) if wrap else chunk, headers=headers)

    def _url(self) -> str:
        return self.base_url

    def fire(
        self, repo: store.Repo, event: str, payload: dict[str, Any], sender: store.Account
    ) -> None:
        """Send `event` to every active hook of the repository subscribed to it."""
        self.events.fire(repo, event, payload, sender)
