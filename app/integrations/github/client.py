"""An async GitHub REST client: one method per endpoint the pipeline and the settings pages use.

Authentication goes through an `Authorizer`: a personal or fine-grained token today
(`BearerToken`); a GitHub App installation token (gidgethub.apps can mint one) can implement the
same one-method protocol later without touching the calls below.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import aiohttp

from app.integrations.errors import (
    AuthenticationFailed,
    IntegrationError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
    UnexpectedResponse,
    ValidationFailed,
)
from app.integrations.github.models import (
    Account,
    Comment,
    Hook,
    Issue,
    Label,
    PullRequest,
    Repository,
    WorkflowRun,
)
from app.integrations.http import (
    Authorizer,
    BearerToken,
    RetryPolicy,
    ServiceTransport,
    parse_retry_after,
)

GITHUB_API_URL = "https://api.github.com"
API_VERSION = (
    "2022-11-28"  # Reference: https://docs.github.com/en/rest/about-the-rest-api/api-versions
)
PAGE_SIZE = 100  # GitHub's largest per_page
MAX_PAGES = 50
SECONDARY_LIMIT_WAIT_SECONDS = 60.0  # "wait at least one minute" when no header says how long
DEFAULT_LABEL_COLOR = "ededed"


def interpret_github_error(
    status: int, headers: Mapping[str, str], body: Any, where: str
) -> IntegrationError:
    """Turn a GitHub error response into the named error callers branch on."""
    # Reference: https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api
    # The body is {"message": ..., "errors": [...], "documentation_url": ...}.
    detail = ""
    if isinstance(body, dict):
        detail = str(body.get("message") or "")
        for error in body.get("errors") or ():
            if isinstance(error, dict):
                parts = [
                    str(error[k]) for k in ("resource", "field", "code", "message") if k in error
                ]
                detail += f" [{' '.join(parts)}]"
            else:
                detail += f" [{error}]"
    message = f"{where} answered {status}: {detail or 'no detail'}"

    if status in (403, 429):
        # Reference: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
        # Retry-After first; else remaining=0 means wait for x-ratelimit-reset (epoch seconds);
        # else a secondary-limit message means wait at least a minute.
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if retry_after is not None:
            return RateLimited(message, service="github", retry_after=retry_after, status=status)
        if headers.get("X-RateLimit-Remaining") == "0":
            reset = _int_or_none(headers.get("X-RateLimit-Reset"))
            wait = max(reset - time.time(), 0.0) + 1.0 if reset else SECONDARY_LIMIT_WAIT_SECONDS
            return RateLimited(message, service="github", retry_after=wait, status=status)
        if status == 429 or "rate limit" in detail.lower():
            return RateLimited(
                message, service="github", retry_after=SECONDARY_LIMIT_WAIT_SECONDS, status=status
            )
        return PermissionDenied(message, service="github", status=status)
    if status == 401:
        return AuthenticationFailed(message, service="github", status=status)
    if status in (404, 410):  # 410: issues are disabled on the repository
        return NotFound(message, service="github", status=status)
    if status >= 500:
        return TransientError(message, service="github", status=status)
    if 400 <= status < 500:
        return ValidationFailed(message, service="github", status=status)
    return IntegrationError(message, service="github", status=status)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _repo_path(repo: str) -> str:
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise ValueError(f"expected 'owner/name', got {repo!r}")
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


class GitHubClient:
    """Talks to GitHub's REST API as one token (a user's or, later, an installation's)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str | Authorizer,
        *,
        base_url: str = GITHUB_API_URL,
        policy: RetryPolicy | None = None,
        user_agent: str = "autoflow",
    ) -> None:
        authorizer = BearerToken(token) if isinstance(token, str) else token
        self.transport = ServiceTransport(
            session,
            base_url,
            service="github",
            authorizer=authorizer,
            interpret_error=interpret_github_error,
            policy=policy or RetryPolicy(),
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                # GitHub refuses requests without a User-Agent.
                "User-Agent": user_agent,
            },
        )

    def __repr__(self) -> str:
        return f"GitHubClient({self.transport.base_url!r})"

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.transport.request(method, path, **kwargs)
        if response.body is None:
            raise UnexpectedResponse(f"{method} {path} answered with no body", service="github")
        return response.body

    async def _all_pages(
        self, path: str, params: Mapping[str, str | int], *, items_key: str | None = None
    ) -> list[dict[str, Any]]:
        # Reference: https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
        # Ask for per_page=100 and keep going while the Link header has rel="next".
        records: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            query = {**params, "per_page": PAGE_SIZE, "page": page}
            response = await self.transport.request("GET", path, params=query)
            body = response.body
            items = body.get(items_key) if items_key and isinstance(body, dict) else body
            if not isinstance(items, list):
                raise UnexpectedResponse(f"GET {path} answered without a list", service="github")
            records.extend(items)
            if 'rel="next"' not in response.headers.get("Link", ""):
                return records
        return records

    async def get_authenticated_user(self) -> Account:
        """The account the token belongs to (the settings page's "Test connection")."""
        # Reference: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
        return Account.from_json(await self._json("GET", "/user"))

    async def get_repository(self, repo: str) -> Repository:
        """Read a repository (its default branch, visibility, URL)."""
        # Reference: https://docs.github.com/en/rest/repos/repos#get-a-repository
        return Repository.from_json(await self._json("GET", _repo_path(repo)))

    async def create_issue(
        self, repo: str, title: str, body: str, *, labels: Sequence[str] = ()
    ) -> Issue:
        """Open an issue; a timeout is not retried here, search for its marker first."""
        # Reference: https://docs.github.com/en/rest/issues/issues#create-an-issue
        payload: dict[str, Any] = {"title": title, "body": body}
        if labels:
            payload["labels"] = list(labels)
        return Issue.from_json(
            await self._json("POST", f"{_repo_path(repo)}/issues", json_body=payload)
        )

    async def get_issue(self, repo: str, number: int) -> Issue:
        """Read one issue (or pull request, seen as an issue)."""
        # Reference: https://docs.github.com/en/rest/issues/issues#get-an-issue
        return Issue.from_json(await self._json("GET", f"{_repo_path(repo)}/issues/{number}"))

    async def list_issues(
        self,
        repo: str,
        *,
        creator: str | None = None,
        state: str = "open",
        since: datetime | None = None,
        per_page: int = PAGE_SIZE,
    ) -> list[Issue]:
        """One page of the repository's issues, newest first, optionally by their author.

        The witness for "did our create happen?": unlike search, this list is read from the
        database and shows an issue the moment it exists."""
        # Reference: https://docs.github.com/en/rest/issues/issues#list-repository-issues
        # Pull requests are listed too (with a `pull_request` key); callers filter them out.
        params: dict[str, str | int] = {
            "state": state,
            "sort": "created",
            "direction": "desc",
            "per_page": min(per_page, PAGE_SIZE),
        }
        if creator:
            params["creator"] = creator
        if since is not None:
            params["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = await self.transport.request("GET", f"{_repo_path(repo)}/issues", params=params)
        if not isinstance(response.body, list):
            raise UnexpectedResponse("GET issues answered without a list", service="github")
        return [Issue.from_json(record) for record in response.body]

    async def list_comments(self, repo: str, number: int) -> list[Comment]:
        """Every comment on an issue or a pull request, oldest first."""
        # Reference: https://docs.github.com/en/rest/issues/comments#list-issue-comments
        records = await self._all_pages(f"{_repo_path(repo)}/issues/{number}/comments", {})
        return [Comment.from_json(record) for record in records]

    async def comment(self, repo: str, number: int, body: str) -> Comment:
        """Comment on an issue or a pull request."""
        # Reference: https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
        data = await self._json(
            "POST", f"{_repo_path(repo)}/issues/{number}/comments", json_body={"body": body}
        )
        return Comment.from_json(data)

    async def ensure_label(
        self, repo: str, name: str, *, color: str = DEFAULT_LABEL_COLOR, description: str = ""
    ) -> Label:
        """Return the repository's label, creating it with our colour when it is missing."""
        # Reference: https://docs.github.com/en/rest/issues/labels#get-a-label
        label_path = f"{_repo_path(repo)}/labels/{quote(name, safe='')}"
        try:
            return Label.from_json(await self._json("GET", label_path))
        except NotFound:
            pass
        # Reference: https://docs.github.com/en/rest/issues/labels#create-a-label
        try:
            data = await self._json(
                "POST",
                f"{_repo_path(repo)}/labels",
                json_body={"name": name, "color": color, "description": description},
                safe_to_repeat=True,  # a repeat answers 422 already_exists, handled below
            )
        except ValidationFailed as exc:
            if "already_exists" not in exc.message:
                raise
            return Label.from_json(await self._json("GET", label_path))
        return Label.from_json(data)

    async def add_labels(
        self, repo: str, number: int, labels: Iterable[str], *, color: str = DEFAULT_LABEL_COLOR
    ) -> tuple[str, ...]:
        """Add labels to an issue, creating missing ones first; returns all its labels after."""
        names = list(labels)
        for name in names:
            await self.ensure_label(repo, name, color=color)
        # Reference: https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue
        data = await self._json(
            "POST",
            f"{_repo_path(repo)}/issues/{number}/labels",
            json_body={"labels": names},
            safe_to_repeat=True,  # adding a label twice leaves it once
        )
        return tuple(label["name"] for label in data)

    async def remove_label(self, repo: str, number: int, name: str) -> None:
        """Remove a label from an issue; a label that is already absent is not an error."""
        # Reference: https://docs.github.com/en/rest/issues/labels#remove-a-label-from-an-issue
        path = f"{_repo_path(repo)}/issues/{number}/labels/{quote(name, safe='')}"
        try:
            await self.transport.request("DELETE", path)
        except NotFound as exc:
            # GitHub answers 404 "Label does not exist" when the issue lacks the label; any
            # other 404 (no such issue or repository) is still an error.
            if "Label does not exist" not in exc.message:
                raise

    async def close_issue(self, repo: str, number: int, *, reason: str = "not_planned") -> Issue:
        """Close an issue with a state reason (`not_planned` or `completed`)."""
        # Reference: https://docs.github.com/en/rest/issues/issues#update-an-issue
        # state_reason only takes effect together with the state change, so both are sent.
        data = await self._json(
            "PATCH",
            f"{_repo_path(repo)}/issues/{number}",
            json_body={"state": "closed", "state_reason": reason},
            safe_to_repeat=True,
        )
        return Issue.from_json(data)

    async def reopen_issue(self, repo: str, number: int) -> Issue:
        """Reopen a closed issue."""
        # Reference: https://docs.github.com/en/rest/issues/issues#update-an-issue
        data = await self._json(
            "PATCH",
            f"{_repo_path(repo)}/issues/{number}",
            json_body={"state": "open"},
            safe_to_repeat=True,
        )
        return Issue.from_json(data)

    async def get_pull_request(self, repo: str, number: int) -> PullRequest:
        """Read a pull request, including whether it is merged and its merge commit."""
        # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
        return PullRequest.from_json(await self._json("GET", f"{_repo_path(repo)}/pulls/{number}"))

    async def list_workflow_runs(self, repo: str, head_sha: str) -> list[WorkflowRun]:
        """Every workflow run on one commit, newest first (a re-run keeps its id)."""
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
        records = await self._all_pages(
            f"{_repo_path(repo)}/actions/runs", {"head_sha": head_sha}, items_key="workflow_runs"
        )
        return [WorkflowRun.from_json(record) for record in records]

    async def search_issues_by_marker(self, repo: str, marker: str) -> list[Issue]:
        """Issues of a repository whose body contains a hidden marker, e.g. a task id."""
        # Reference: https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests
        # Search has its own, lower rate limit (30/min) and indexes new issues with a delay:
        # an empty answer right after a create does not prove the issue is absent.
        query = f'repo:{repo} is:issue in:body "{marker}"'
        records = await self._all_pages("/search/issues", {"q": query}, items_key="items")
        return [
            Issue.from_json(record) for record in records if marker in (record.get("body") or "")
        ]

    async def list_hooks(self, repo: str) -> list[Hook]:
        """The repository's webhooks."""
        # Reference: https://docs.github.com/en/rest/repos/webhooks#list-repository-webhooks
        return [Hook.from_json(r) for r in await self._all_pages(f"{_repo_path(repo)}/hooks", {})]

    async def create_hook(self, repo: str, url: str, secret: str, events: Sequence[str]) -> Hook:
        """Create a webhook sending JSON for exactly these events (GitHub then sends `ping`)."""
        # Reference: https://docs.github.com/en/rest/repos/webhooks#create-a-repository-webhook
        # The API defaults are content_type=form and events=["push"]; both are set explicitly.
        if not events:
            raise ValueError("name the events; the API default is push only")
        payload = {
            "name": "web",
            "active": True,
            "events": list(events),
            "config": {"url": url, "content_type": "json", "secret": secret, "insecure_ssl": "0"},
        }
        return Hook.from_json(
            await self._json("POST", f"{_repo_path(repo)}/hooks", json_body=payload)
        )

    async def delete_hook(self, repo: str, hook_id: int) -> None:
        """Delete a repository webhook; one that is already gone is not an error."""
        # Reference: https://docs.github.com/en/rest/repos/webhooks#delete-a-repository-webhook
        try:
            await self.transport.request("DELETE", f"{_repo_path(repo)}/hooks/{hook_id}")
        except NotFound:
            return

    async def ping_hook(self, repo: str, hook_id: int) -> None:
        """Ask GitHub to send a `ping` event to the hook."""
        # Reference: https://docs.github.com/en/rest/repos/webhooks#ping-a-repository-webhook
        await self.transport.request(
            "POST", f"{_repo_path(repo)}/hooks/{hook_id}/pings", safe_to_repeat=True
        )
