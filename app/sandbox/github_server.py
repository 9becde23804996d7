"""The GitHub sandbox: GitHub's REST paths at the root, and webhooks sent the way GitHub does.

This module holds the server: its lifecycle, routes, authentication and error rendering. The
handlers live in endpoint groups it composes (`github_issue_endpoints`, `github_pull_endpoints`,
`github_hook_endpoints`), each naming the API reference it follows; the conventions they share
are in `github_api.py`. Deliveries carry `X-GitHub-Event`, `X-GitHub-Delivery` (a GUID kept on
redelivery), `X-GitHub-Hook-ID` and, with a secret, `X-Hub-Signature-256`; a hook left on the
API default content type gets `payload=` form bodies. GitHub never retries a failed delivery on
its own: neither does the sandbox (see `redeliver`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.agent import OpenCodeAgent
from app.sandbox.delivery import WebhookSender
from app.sandbox.faults import Faults, fault_middleware
from app.sandbox.github_api import ACCOUNT, GitHubError, error_response, render_fault
from app.sandbox.github_events import GitHubEventSender
from app.sandbox.github_hook_endpoints import HookEndpoints
from app.sandbox.github_issue_endpoints import IssueEndpoints
from app.sandbox.github_pull_endpoints import PullEndpoints
from app.sandbox.server import ServerHandle, start_server

Handler = Callable[[web.Request], Any]


class GitHubSandbox(IssueEndpoints, PullEndpoints, HookEndpoints):
    """A few GitHub repositories in memory, served over HTTP, with the OpenCode agent playing."""

    def __init__(self) -> None:
        self.world = store.GitHubWorld()
        self.faults = Faults()
        self.sender = WebhookSender(self.faults)
        self.agent = OpenCodeAgent(self)
        self.events = GitHubEventSender(self.sender, lambda: self.base_url)
        self._handle: ServerHandle | None = None
        self.app = self._build_app()

    @property
    def base_url(self) -> str:
        """What a client uses in place of https://api.github.com."""
        assert self._handle is not None, "start() the sandbox first"
        return self._handle.url

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
                self._errors_middleware,
                fault_middleware(self.faults, render_fault),
                self._auth_middleware,
            ]
        )
        repo = "/repos/{owner}/{repo}"
        routes = [
            ("GET", "/user", self.get_user),
            ("GET", repo, self.get_repo),
            ("GET", f"{repo}/issues", self.list_issues),
            ("POST", f"{repo}/issues", self.create_issue),
            ("GET", f"{repo}/issues/{{number}}", self.get_issue),
            ("PATCH", f"{repo}/issues/{{number}}", self.update_issue),
            ("GET", f"{repo}/issues/{{number}}/comments", self.list_comments),
            ("POST", f"{repo}/issues/{{number}}/comments", self.create_comment),
            ("POST", f"{repo}/issues/{{number}}/labels", self.add_labels),
            ("DELETE", f"{repo}/issues/{{number}}/labels/{{name}}", self.remove_label),
            ("GET", f"{repo}/labels/{{name}}", self.get_label),
            ("POST", f"{repo}/labels", self.create_label),
            ("GET", f"{repo}/pulls/{{number}}", self.get_pull),
            ("GET", f"{repo}/actions/runs", self.list_runs),
            ("GET", f"{repo}/actions/runs/{{run_id}}", self.get_run),
            ("GET", f"{repo}/hooks", self.list_hooks),
            ("POST", f"{repo}/hooks", self.create_hook),
            ("POST", f"{repo}/hooks/{{hook_id}}/pings", self.ping_hook),
            ("DELETE", f"{repo}/hooks/{{hook_id}}", self.delete_hook),
            ("GET", "/search/issues", self.search_issues),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        return app

    @web.middleware
    async def _errors_middleware(self, request: web.Request, handler: Handler):
        try:
            return await handler(request)
        except GitHubError as exc:
            return error_response(exc.status, exc.message, exc.errors, exc.headers)
        except web.HTTPNotFound:
            return error_response(404, "Not Found")
        except web.HTTPMethodNotAllowed:
            return error_response(404, "Not Found")

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler):
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
        return await handler(request)
