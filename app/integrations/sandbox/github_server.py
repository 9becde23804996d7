"""The GitHub sandbox: GitHub's REST paths at the root, and webhooks sent the way GitHub does.

Every handler names the API reference it follows. Deliveries carry `X-GitHub-Event`,
`X-GitHub-Delivery` (a GUID kept on redelivery), `X-GitHub-Hook-ID` and, with a secret,
`X-Hub-Signature-256`; a hook left on the API default content type gets `payload=` form bodies.
GitHub never retries a failed delivery on its own: neither does the sandbox (see `redeliver`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from app.integrations.sandbox import github_store as store
from app.integrations.sandbox.agent import OpenCodeAgent
from app.integrations.sandbox.delivery import WebhookSender
from app.integrations.sandbox.faults import Faults, ResponseFault, fault_middleware
from app.integrations.sandbox.github_events import GitHubEventSender
from app.integrations.sandbox.server import ServerHandle, json_response, start_server

Handler = Callable[[web.Request], Any]
PERMISSION_RANK = {"read": 1, "write": 2, "admin": 3}
ACCOUNT = web.RequestKey("account", store.Account | None)  # None: no token given
STATE_REASONS = ("completed", "not_planned", "reopened")


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


def _validation(resource: str, field: str, code: str) -> GitHubError:
    return GitHubError(
        422, "Validation Failed", errors=[{"resource": resource, "field": field, "code": code}]
    )


class GitHubSandbox:
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

    # -- helpers ---------------------------------------------------------------------------

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

    def _issue(self, repo: store.Repo, number_text: str) -> store.IssueRecord:
        number = int(number_text) if number_text.isdigit() else -1
        if number in repo.issues:
            return repo.issues[number]
        raise GitHubError(404, "Not Found")

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

    # -- repositories, issues, comments, labels ----------------------------------------------

    async def get_user(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
        if request[ACCOUNT] is None:
            raise GitHubError(401, "Requires authentication")
        return json_response(store.account_json(request[ACCOUNT], self._url()))

    async def get_repo(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/repos#get-a-repository
        return json_response(store.repo_json(self._repo(request), self._url()))

    async def create_issue(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#create-an-issue
        repo = self._repo(request)
        data = await self._body(request)
        title = data.get("title") if isinstance(data, dict) else None
        if not title:
            raise _validation("Issue", "title", "missing_field")
        issue = self.open_issue(repo, str(title), str(data.get("body") or ""), request[ACCOUNT])
        # Labels need push access; without it GitHub drops them silently.
        if data.get("labels") and self.world.permission(repo, request[ACCOUNT].login) != "read":
            issue.labels = [self._label(repo, name) for name in data["labels"]]
        self.fire(
            repo,
            "issues",
            {"action": "opened", "issue": store.issue_json(issue, repo, self._url())},
            request[ACCOUNT],
        )
        return json_response(store.issue_json(issue, repo, self._url()), status=201)

    def open_issue(
        self, repo: store.Repo, title: str, body: str, author: store.Account
    ) -> store.IssueRecord:
        moment = store.now()
        issue = store.IssueRecord(
            store.new_id(), repo.take_number(), title, body, author, moment, moment
        )
        repo.issues[issue.number] = issue
        return issue

    async def get_issue(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#get-an-issue
        repo = self._repo(request)
        number = request.match_info["number"]
        if number.isdigit() and int(number) in repo.pulls:
            return json_response(
                store.pull_as_issue_json(repo.pulls[int(number)], repo, self._url())
            )
        return json_response(store.issue_json(self._issue(repo, number), repo, self._url()))

    async def update_issue(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#update-an-issue
        repo = self._repo(request, "write")
        issue = self._issue(repo, request.match_info["number"])
        data = await self._body(request)
        state = data.get("state", issue.state)
        reason = data.get("state_reason")
        if state not in ("open", "closed"):
            raise _validation("Issue", "state", "invalid")
        if reason is not None and reason not in STATE_REASONS:
            raise _validation("Issue", "state_reason", "invalid")
        for key in ("title", "body"):
            if key in data:
                setattr(issue, key, str(data[key] or ""))
        action = None
        # state_reason only takes effect together with a change of state.
        if state == "closed" and issue.state == "open":
            issue.state, issue.state_reason, issue.closed_at = (
                "closed",
                reason or "completed",
                store.now(),
            )
            action = "closed"
        elif state == "open" and issue.state == "closed":
            issue.state, issue.state_reason, issue.closed_at = "open", "reopened", None
            action = "reopened"
        issue.updated_at = store.now()
        if action:
            self.fire(
                repo,
                "issues",
                {"action": action, "issue": store.issue_json(issue, repo, self._url())},
                request[ACCOUNT],
            )
        return json_response(store.issue_json(issue, repo, self._url()))

    async def list_comments(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/comments#list-issue-comments
        repo = self._repo(request)
        number = request.match_info["number"]
        comments = self._thread(repo, number)
        return self._paginate(
            request, [store.comment_json(c, repo, int(number), self._url()) for c in comments]
        )

    def _thread(self, repo: store.Repo, number: str) -> list[store.CommentRecord]:
        if number.isdigit() and int(number) in repo.pulls:
            return repo.pulls[int(number)].comments
        return self._issue(repo, number).comments

    async def create_comment(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
        repo = self._repo(request)
        number = request.match_info["number"]
        data = await self._body(request)
        if not isinstance(data, dict) or not data.get("body"):
            raise _validation("IssueComment", "body", "missing_field")
        comment = self.add_comment(
            repo, int(number) if number.isdigit() else -1, str(data["body"]), request[ACCOUNT]
        )
        return json_response(
            store.comment_json(comment, repo, int(number), self._url()), status=201
        )

    def add_comment(
        self, repo: store.Repo, number: int, body: str, author: store.Account
    ) -> store.CommentRecord:
        """Store a comment, send `issue_comment`, and let the agent see it."""
        comment = store.CommentRecord(store.new_id(), body, author, store.now())
        self._thread(repo, str(number)).append(comment)
        if number in repo.pulls:
            issue_payload = store.pull_as_issue_json(repo.pulls[number], repo, self._url())
        else:
            issue = repo.issues[number]
            issue.updated_at = store.now()
            issue_payload = store.issue_json(issue, repo, self._url())
        payload = {
            "action": "created",
            "issue": issue_payload,
            "comment": store.comment_json(comment, repo, number, self._url()),
        }
        self.fire(repo, "issue_comment", payload, author)
        if number in repo.issues:
            self.agent.notice_comment(repo, repo.issues[number], comment)
        return comment

    def _label(self, repo: store.Repo, name: str) -> store.LabelRecord:
        """The repository's label, created with GitHub's default colour when missing (as GitHub does)."""
        key = name.lower()
        if key not in repo.labels:
            repo.labels[key] = store.LabelRecord(store.new_id(), name, "ededed")
        return repo.labels[key]

    async def get_label(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#get-a-label
        repo = self._repo(request)
        label = repo.labels.get(request.match_info["name"].lower())
        if label is None:
            raise GitHubError(404, "Not Found")
        return json_response(store.label_json(label, repo, self._url()))

    async def create_label(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#create-a-label
        repo = self._repo(request, "write")
        data = await self._body(request)
        name = str(data.get("name") or "")
        if not name:
            raise _validation("Label", "name", "missing_field")
        if name.lower() in repo.labels:
            raise _validation("Label", "name", "already_exists")
        color = str(data.get("color") or "ededed").lstrip("#")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            raise _validation("Label", "color", "invalid")
        label = store.LabelRecord(store.new_id(), name, color, data.get("description"))
        repo.labels[name.lower()] = label
        return json_response(store.label_json(label, repo, self._url()), status=201)

    async def add_labels(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue
        repo = self._repo(request, "write")
        issue = self._issue(repo, request.match_info["number"])
        data = await self._body(request)
        names = data.get("labels") if isinstance(data, dict) else data
        if not isinstance(names, list) or not names:
            raise _validation("Label", "labels", "missing_field")
        for name in names:
            label = self._label(repo, str(name))
            if label not in issue.labels:
                issue.labels.append(label)
                payload = {
                    "action": "labeled",
                    "issue": store.issue_json(issue, repo, self._url()),
                    "label": store.label_json(label, repo, self._url()),
                }
                self.fire(repo, "issues", payload, request[ACCOUNT])
        return json_response([store.label_json(lb, repo, self._url()) for lb in issue.labels])

    async def remove_label(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#remove-a-label-from-an-issue
        repo = self._repo(request, "write")
        issue = self._issue(repo, request.match_info["number"])
        name = request.match_info["name"].lower()
        label = next((lb for lb in issue.labels if lb.name.lower() == name), None)
        if label is None:
            raise GitHubError(404, "Label does not exist")
        issue.labels.remove(label)
        payload = {
            "action": "unlabeled",
            "issue": store.issue_json(issue, repo, self._url()),
            "label": store.label_json(label, repo, self._url()),
        }
        self.fire(repo, "issues", payload, request[ACCOUNT])
        return json_response([store.label_json(lb, repo, self._url()) for lb in issue.labels])

    # -- pull requests and workflow runs ---------------------------------------------------------

    async def get_pull(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
        repo = self._repo(request)
        number = request.match_info["number"]
        pull = repo.pulls.get(int(number)) if number.isdigit() else None
        if pull is None:
            raise GitHubError(404, "Not Found")
        return json_response(store.pull_json(pull, repo, self._url()))

    async def list_runs(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
        repo = self._repo(request)
        head_sha = request.query.get("head_sha")
        runs = [r for r in repo.runs.values() if head_sha is None or r.head_sha == head_sha]
        runs.sort(key=lambda r: r.id, reverse=True)
        records = [store.run_json(r, repo, self._url()) for r in runs]
        return self._paginate(
            request,
            records,
            wrap=lambda chunk: {"total_count": len(records), "workflow_runs": chunk},
        )

    async def get_run(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
        repo = self._repo(request)
        run = (
            repo.runs.get(int(request.match_info["run_id"]))
            if request.match_info["run_id"].isdigit()
            else None
        )
        if run is None:
            raise GitHubError(404, "Not Found")
        return json_response(store.run_json(run, repo, self._url()))

    # -- search ----------------------------------------------------------------------------

    async def search_issues(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests
        query = request.query.get("q", "")
        if not query.strip():
            raise _validation("Search", "q", "missing")
        phrases = re.findall(r'"([^"]*)"', query)
        words = re.sub(r'"[^"]*"', " ", query).split()
        qualifiers = dict(w.split(":", 1) for w in words if ":" in w)
        phrases += [w for w in words if ":" not in w]
        account = request[ACCOUNT]
        items = []
        for repo in self.world.repos.values():
            if "repo" in qualifiers and repo.full_name.lower() != qualifiers["repo"].lower():
                continue
            if account is None or self.world.permission(repo, account.login) is None:
                continue
            if qualifiers.get("is") != "pr":
                for issue in repo.issues.values():
                    haystack = (
                        issue.body
                        if qualifiers.get("in") == "body"
                        else f"{issue.title}\n{issue.body}"
                    )
                    if all(p.lower() in haystack.lower() for p in phrases):
                        items.append({**store.issue_json(issue, repo, self._url()), "score": 1.0})
        return self._paginate(
            request,
            items,
            wrap=lambda chunk: {
                "total_count": len(items),
                "incomplete_results": False,
                "items": chunk,
            },
        )

    # -- hooks and deliveries --------------------------------------------------------------

    async def list_hooks(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#list-repository-webhooks
        repo = self._repo(request, "admin")
        return self._paginate(
            request, [store.hook_json(h, repo, self._url()) for h in repo.hooks.values()]
        )

    async def create_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#create-a-repository-webhook
        # Defaults as the API documents them: content_type "form", events ["push"].
        repo = self._repo(request, "admin")
        data = await self._body(request)
        config = data.get("config") if isinstance(data, dict) else None
        if not isinstance(config, dict) or not config.get("url"):
            raise _validation("Hook", "url", "missing_field")
        content_type = config.get("content_type", "form")
        if content_type not in ("json", "form"):
            raise _validation("Hook", "content_type", "invalid")
        events = list(data.get("events") or ["push"])
        if any(h.url == config["url"] and set(h.events) & set(events) for h in repo.hooks.values()):
            raise GitHubError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "Hook",
                        "code": "custom",
                        "message": "Hook already exists on this repository",
                    }
                ],
            )
        hook = store.HookRecord(
            store.new_id(),
            events,
            str(config["url"]),
            content_type,
            config.get("secret") or None,
            bool(data.get("active", True)),
            store.now(),
        )
        repo.hooks[hook.id] = hook
        self.events.ping(repo, hook, request[ACCOUNT])  # GitHub pings every new hook
        return json_response(store.hook_json(hook, repo, self._url()), status=201)

    async def ping_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#ping-a-repository-webhook
        repo = self._repo(request, "admin")
        hook = (
            repo.hooks.get(int(request.match_info["hook_id"]))
            if request.match_info["hook_id"].isdigit()
            else None
        )
        if hook is None:
            raise GitHubError(404, "Not Found")
        self.events.ping(repo, hook, request[ACCOUNT])
        return web.Response(status=204)

    async def delete_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#delete-a-repository-webhook
        repo = self._repo(request, "admin")
        if repo.hooks.pop(int(request.match_info["hook_id"]), None) is None:
            raise GitHubError(404, "Not Found")
        return web.Response(status=204)

    def fire(
        self, repo: store.Repo, event: str, payload: dict[str, Any], sender: store.Account
    ) -> None:
        """Send `event` to every active hook of the repository subscribed to it."""
        self.events.fire(repo, event, payload, sender)

    def redeliver(self, delivery_id: str) -> None:
        """Send a past delivery again with the same X-GitHub-Delivery, as a person can in the UI."""
        self.events.redeliver(delivery_id)
