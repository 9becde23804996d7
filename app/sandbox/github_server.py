"""The GitHub sandbox: GitHub's REST paths at the root, and webhooks sent the way GitHub does.

This module holds the server: its lifecycle, routes, authentication, rate-limit accounting,
conditional requests and error rendering. The handlers live in endpoint groups it composes
(`github_issue_endpoints`, `github_label_endpoints`, `github_pull_endpoints`,
`github_run_endpoints`, `github_hook_endpoints`), each naming the API reference it follows; the
conventions they share are in `github_api.py`. `/_sandbox/...` are the control endpoints
(`github_control.py`), which need no token. Deliveries carry `X-GitHub-Event`, `X-GitHub-Delivery` (a GUID kept on
redelivery), `X-GitHub-Hook-ID` and, with a secret, `X-Hub-Signature-256`; a hook left on the
API default content type gets `payload=` form bodies. GitHub never retries a failed delivery on
its own: neither does the sandbox (see `redeliver`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.agent import OpenCodeAgent
from app.sandbox.autopilot import Autopilot
from app.sandbox.control import PREFIX, ControlError, control_error_response, request_counter
from app.sandbox.delivery import WebhookSender
from app.sandbox.faults import Faults, fault_middleware
from app.sandbox.github_activity import GitHubActivity
from app.sandbox.github_api import (
    ACCOUNT,
    RATE_LIMIT_PER_HOUR,
    GitHubError,
    error_response,
    not_modified,
    render_fault,
)
from app.sandbox.github_control import GitHubControl
from app.sandbox.github_events import GitHubEventSender
from app.sandbox.github_hook_endpoints import HookEndpoints
from app.sandbox.github_issue_endpoints import IssueEndpoints
from app.sandbox.github_label_endpoints import LabelEndpoints
from app.sandbox.github_pull_endpoints import PullEndpoints
from app.sandbox.github_run_endpoints import RunEndpoints
from app.sandbox.server import ServerHandle, start_server

Handler = Callable[[web.Request], Any]


class GitHubSandbox(
    IssueEndpoints, LabelEndpoints, PullEndpoints, RunEndpoints, HookEndpoints, GitHubControl
):
    """A few GitHub repositories in memory, served over HTTP, with the OpenCode agent playing."""

    def __init__(self) -> None:
        self.world = store.GitHubWorld()
        self.faults = Faults()
        self.sender = WebhookSender(self.faults)
        self.events = GitHubEventSender(self.world, self.sender, lambda: self.base_url)
        self.activity = GitHubActivity(self.world, self.events, lambda: self.base_url)
        self.agent = OpenCodeAgent(self.activity, self.sender.spawn)
        self.autopilot = Autopilot(self.activity, self.agent)
        self.info: dict[str, Any] = {}
        self.requests: Counter[str] = Counter()
        self.settle_all = self.settle
        self._handle: ServerHandle | None = None
        self.app = self._build_app()

    @property
    def base_url(self) -> str:
        """What a client uses in place of https://api.github.com."""
        assert self._handle is not None, "start() the sandbox first"
        return self._handle.url

    @property
    def control_url(self) -> str:
        """Where this server's `/_sandbox/...` control endpoints are."""
        assert self._handle is not None, "start() the sandbox first"
        return self._handle.url + PREFIX

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await self.sender.start()
        self._handle = await start_server(self.app, host, port)

    async def close(self) -> None:
        await self.sender.close()
        if self._handle is not None:
            await self._handle.close()

    async def settle(self) -> None:
        await self.sender.settle()

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                request_counter(self.requests, ""),
                self._errors_middleware,
                fault_middleware(self.faults, render_fault),
                self._auth_middleware,
            ]
        )
        for method, path, handler in (*self.api_routes(), *self.github_control_routes()):
            app.router.add_route(method, path, handler)
        return app

    def api_routes(self) -> list[tuple[str, str, Handler]]:
        """GitHub's REST routes this sandbox serves (the contract tests walk this list)."""
        repo = "/repos/{owner}/{repo}"
        issue = f"{repo}/issues/{{number}}"
        pull = f"{repo}/pulls/{{number}}"
        run = f"{repo}/actions/runs/{{run_id}}"
        hook = f"{repo}/hooks/{{hook_id}}"
        return [
            ("GET", "/user", self.get_user),
            ("GET", "/rate_limit", self.get_rate_limit),
            ("GET", repo, self.get_repo),
            ("GET", f"{repo}/issues", self.list_issues),
            ("POST", f"{repo}/issues", self.create_issue),
            ("GET", issue, self.get_issue),
            ("PATCH", issue, self.update_issue),
            ("GET", f"{issue}/comments", self.list_comments),
            ("POST", f"{issue}/comments", self.create_comment),
            ("POST", f"{issue}/labels", self.add_labels),
            ("DELETE", f"{issue}/labels/{{name}}", self.remove_label),
            ("GET", f"{repo}/labels/{{name}}", self.get_label),
            ("POST", f"{repo}/labels", self.create_label),
            ("GET", f"{repo}/pulls", self.list_pulls),
            ("GET", pull, self.get_pull),
            ("GET", f"{pull}/commits", self.list_pull_commits),
            ("GET", f"{pull}/files", self.list_pull_files),
            ("PUT", f"{pull}/merge", self.merge_pull),
            ("GET", f"{repo}/commits/{{ref}}", self.get_commit),
            ("GET", f"{repo}/actions/runs", self.list_runs),
            ("GET", run, self.get_run),
            ("POST", f"{run}/rerun", self.rerun_run),
            ("POST", f"{run}/rerun-failed-jobs", self.rerun_failed_jobs),
            ("GET", f"{repo}/hooks", self.list_hooks),
            ("POST", f"{repo}/hooks", self.create_hook),
            ("GET", hook, self.get_hook),
            ("PATCH", hook, self.update_hook),
            ("DELETE", hook, self.delete_hook),
            ("POST", f"{hook}/pings", self.ping_hook),
            ("GET", f"{hook}/deliveries", self.list_deliveries),
            ("GET", f"{hook}/deliveries/{{delivery_id}}", self.get_delivery),
            ("POST", f"{hook}/deliveries/{{delivery_id}}/attempts", self.redeliver_delivery),
            ("GET", "/search/issues", self.search_issues),
        ]

    @web.middleware
    async def _errors_middleware(self, request: web.Request, handler: Handler):
        try:
            return await handler(request)
        except ControlError as exc:
            return control_error_response(exc)
        except GitHubError as exc:
            return error_response(exc.status, exc.message, exc.errors, exc.headers)
        except web.HTTPNotFound:
            return error_response(404, "Not Found")
        except web.HTTPMethodNotAllowed:
            return error_response(404, "Not Found")

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler):
        if request.path.startswith(PREFIX):
            return await handler(request)  # the sandbox's own control endpoints
        # Reference: https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent
        if not request.headers.get("User-Agent"):
            raise GitHubError(
                403,
                "Request forbidden by administrative rules. "
                "Please make sure your request has a User-Agent header.",
            )
        # Reference: https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        request[ACCOUNT] = None
        if scheme:
            login = self.world.tokens.get(token) if scheme.lower() in ("bearer", "token") else None
            if login is None:
                raise GitHubError(401, "Bad credentials")
            request[ACCOUNT] = self.world.accounts[login]
        response = not_modified(request, await handler(request))
        return self._count(request, response)

    def _count(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        """Count the request against the token's hourly limit and say so in the headers."""
        # Reference: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
        # A 304 answer to a conditional request, and GET /rate_limit, are not counted.
        account = request[ACCOUNT]
        if account is None:
            return response
        counted = request.path != "/rate_limit" and response.status != 304
        used = self.world.rate_used.get(account.login, 0) + (1 if counted else 0)
        self.world.rate_used[account.login] = used
        response.headers.update(
            {
                "X-RateLimit-Limit": str(RATE_LIMIT_PER_HOUR),
                "X-RateLimit-Remaining": str(max(RATE_LIMIT_PER_HOUR - used, 0)),
                "X-RateLimit-Used": str(used),
                "X-RateLimit-Reset": str(int(time.time()) + 3600),
                "X-RateLimit-Resource": "core",
            }
        )
        return response
