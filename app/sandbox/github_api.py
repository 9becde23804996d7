"""How the GitHub sandbox speaks: GitHub's error body, access checks, JSON bodies, pagination,
conditional requests and the rate-limit headers.

`GitHubApi` is the base that the sandbox and its endpoint groups (`github_issue_endpoints`,
`github_label_endpoints`, `github_pull_endpoints`, `github_run_endpoints`,
`github_hook_endpoints`) share: the world they serve, the helpers every handler uses to read a
request and shape its answer, and the activity (`github_activity.py`) through which they change
the world and send webhooks.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.autopilot import Autopilot
from app.sandbox.delivery import WebhookSender
from app.sandbox.faults import ResponseFault
from app.sandbox.github_activity import GitHubActivity
from app.sandbox.github_events import GitHubEventSender
from app.sandbox.server import json_response

# Reference: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
RATE_LIMIT_PER_HOUR = 5000  # a personal access token's primary limit

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


def validation_failed(resource: str, field: str, code: str, value: Any = None) -> GitHubError:
    error: dict[str, Any] = {"resource": resource, "field": field, "code": code}
    if value is not None:
        error["value"] = value
    return GitHubError(422, "Validation Failed", errors=[error])


def etag_for(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def not_modified(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Add an ETag to a GET's 200 answer; answer 304 when the client already holds it."""
    # Reference: https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate
    if request.method != "GET" or response.status != 200 or not isinstance(response, web.Response):
        return response
    body = response.body if isinstance(response.body, bytes) else b""
    etag = etag_for(body)
    response.headers["ETag"] = etag
    asked = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
    if etag in asked or etag.removeprefix("W/") in asked:
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
        headers.pop("Content-Length", None)
        return web.Response(status=304, headers=headers)
    return response


class GitHubApi:
    """The world a GitHub sandbox serves, and the request and response helpers of its handlers."""

    # Set by `GitHubSandbox.__init__`; declared here for the endpoint groups that use them.
    world: store.GitHubWorld
    sender: WebhookSender
    events: GitHubEventSender
    activity: GitHubActivity
    autopilot: Autopilot

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

    def _number(self, request: web.Request, name: str) -> int:
        """A positive integer from the path (404 otherwise, as GitHub's router does)."""
        text = request.match_info[name]
        if not text.isdigit():
            raise GitHubError(404, "Not Found")
        return int(text)

    @staticmethod
    def _choice(request: web.Request, name: str, choices: tuple[str, ...], default: str) -> str:
        value = request.query.get(name, default)
        if value not in choices:
            raise validation_failed("Query", name, "invalid", value)
        return value

    @staticmethod
    def _since(request: web.Request) -> datetime | None:
        text = request.query.get("since")
        if text is None:
            return None
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise validation_failed("Query", "since", "invalid", text) from None

    @staticmethod
    def _int_query(request: web.Request, name: str, default: int) -> int:
        text = request.query.get(name, "")
        return int(text) if text.isdigit() else default

    def _paginate(
        self,
        request: web.Request,
        items: list[Any],
        *,
        wrap: Callable[[list[Any]], Any] | None = None,
    ):
        # Reference: https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
        # per_page defaults to 30 and is capped at 100; anything unreadable means the default.
        per_page = min(max(self._int_query(request, "per_page", 30), 1), 100)
        page = max(self._int_query(request, "page", 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        relations = [("prev", page - 1), ("first", 1)] if 1 < page <= last else []
        if page < last:
            relations = [("next", page + 1), ("last", last), *relations]
        for rel, target in relations:
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

    def _issue(self, repo: store.Repo, number_text: str) -> store.IssueRecord:
        number = int(number_text) if number_text.isdigit() else -1
        if number in repo.issues:
            return repo.issues[number]
        raise GitHubError(404, "Not Found")

    def _thread(self, repo: store.Repo, number: str) -> list[store.CommentRecord]:
        if number.isdigit() and int(number) in repo.pulls:
            return repo.pulls[int(number)].comments
        return self._issue(repo, number).comments

    def _label(self, repo: store.Repo, name: str) -> store.LabelRecord:
        """The repository's label, created with GitHub's default colour when missing (as GitHub does)."""
        key = name.lower()
        if key not in repo.labels:
            repo.labels[key] = store.LabelRecord(store.new_id(), name, "ededed")
        return repo.labels[key]

    def _permission(self, request: web.Request, repo: store.Repo) -> str | None:
        account = request[ACCOUNT]
        return self.world.permission(repo, account.login) if account else None
