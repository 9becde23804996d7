"""The GitHub sandbox's user, repository, rate limit, issues and issue comments endpoints.

Creating an issue, changing its state and commenting on it send the `issues` and
`issue_comment` webhooks GitHub sends (through `github_activity.py`); a comment is also shown
to the OpenCode agent simulator. Labels and search are in `github_label_endpoints.py`.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from app.sandbox import github_issue_shapes as issue_shapes
from app.sandbox import github_shapes as shapes
from app.sandbox import github_store as store
from app.sandbox.github_api import (
    ACCOUNT,
    RATE_LIMIT_PER_HOUR,
    GitHubApi,
    GitHubError,
    validation_failed,
)
from app.sandbox.server import json_response

STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")


class IssueEndpoints(GitHubApi):
    """Who the token is, the repository, and its issues with their comments and labels."""

    async def get_user(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
        if request[ACCOUNT] is None:
            raise GitHubError(401, "Requires authentication")
        return json_response(shapes.private_user(request[ACCOUNT], self._url()))

    async def get_repo(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/repos#get-a-repository
        repo = self._repo(request)
        return json_response(
            shapes.repo(repo, self._url(), permission=self._permission(request, repo), full=True)
        )

    async def get_rate_limit(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user
        # ("Accessing this endpoint does not count against your REST API rate limit.")
        account = request[ACCOUNT]
        used = self.world.rate_used.get(account.login, 0) if account else 0
        limit = RATE_LIMIT_PER_HOUR if account else 60
        reset = int(time.time()) + 3600

        def bucket(limit: int, used: int = 0) -> dict[str, int]:
            return {"limit": limit, "used": used, "remaining": limit - used, "reset": reset}

        core = bucket(limit, used)
        resources = {
            "core": core,
            "search": bucket(30),
            "graphql": bucket(limit),
            "integration_manifest": bucket(5000),
            "code_search": bucket(10),
        }
        return json_response({"resources": resources, "rate": core})

    async def create_issue(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#create-an-issue
        repo = self._repo(request)
        data = await self._body(request)
        title = data.get("title") if isinstance(data, dict) else None
        if not title:
            raise validation_failed("Issue", "title", "missing_field")
        if not isinstance(title, str | int):
            raise validation_failed("Issue", "title", "invalid")
        body = data.get("body")
        if body is not None and not isinstance(body, str):
            raise validation_failed("Issue", "body", "invalid")
        issue = self.activity.open_issue(repo, str(title), body or "", request[ACCOUNT])
        # Labels need push access; without it GitHub drops them silently. The issue opens
        # with them, and each is also announced by a `labeled` event, as GitHub sends them.
        labels = data.get("labels")
        if labels and self._permission(request, repo) != "read":
            for label in (self._label(repo, str(name)) for name in labels):
                if label not in issue.labels:
                    issue.labels.append(label)
        self.activity.issue_event(repo, issue, "opened", request[ACCOUNT])
        for label in issue.labels:
            label_json = issue_shapes.label(label, repo, self._url())
            self.activity.issue_event(repo, issue, "labeled", request[ACCOUNT], label=label_json)
        return json_response(issue_shapes.issue(issue, repo, self._url()), status=201)

    async def list_issues(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#list-repository-issues
        # Pull requests are issues too here (they carry a `pull_request` key).
        repo = self._repo(request)
        state = self._choice(request, "state", ("open", "closed", "all"), "open")
        sort = self._choice(request, "sort", ("created", "updated", "comments"), "created")
        direction = self._choice(request, "direction", ("asc", "desc"), "desc")
        since = self._since(request)
        creator = request.query.get("creator")
        wanted = {
            n.strip().lower() for n in request.query.get("labels", "").split(",") if n.strip()
        }
        records: list[store.IssueRecord | store.PullRecord] = [
            *repo.issues.values(),
            *repo.pulls.values(),
        ]

        def keep(record: Any) -> bool:
            labels = {lb.name.lower() for lb in getattr(record, "labels", [])}
            return (
                (state == "all" or record.state == state)
                and (creator is None or record.author.login.lower() == creator.lower())
                and wanted <= labels
                and (since is None or record.updated_at >= since)
            )

        def key(record: Any) -> Any:
            if sort == "comments":
                return (len(record.comments), record.number)
            return (getattr(record, f"{sort}_at"), record.number)

        chosen = sorted(filter(keep, records), key=key, reverse=direction == "desc")
        base = self._url()
        return self._paginate(
            request,
            [
                issue_shapes.issue(r, repo, base)
                if isinstance(r, store.IssueRecord)
                else issue_shapes.pull_as_issue(r, repo, base)
                for r in chosen
            ],
        )

    async def get_issue(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#get-an-issue
        repo = self._repo(request)
        number = request.match_info["number"]
        if number.isdigit() and int(number) in repo.pulls:
            return json_response(
                issue_shapes.pull_as_issue(repo.pulls[int(number)], repo, self._url())
            )
        return json_response(issue_shapes.issue(self._issue(repo, number), repo, self._url()))

    async def update_issue(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#update-an-issue
        repo = self._repo(request, "write")
        issue = self._issue(repo, request.match_info["number"])
        data = await self._body(request)
        if not isinstance(data, dict):
            raise GitHubError(400, "Problems parsing JSON")
        state = data.get("state", issue.state)
        reason = data.get("state_reason")
        if state not in ("open", "closed"):
            raise validation_failed("Issue", "state", "invalid", state)
        if reason is not None and reason not in STATE_REASONS:
            raise validation_failed("Issue", "state_reason", "invalid", reason)
        edited: dict[str, Any] = {}
        for key in ("title", "body"):
            if key in data and str(data[key] or "") != getattr(issue, key):
                edited[key] = {"from": getattr(issue, key)}
                setattr(issue, key, str(data[key] or ""))
        labels = data.get("labels")
        if labels is not None and not isinstance(labels, list):
            raise validation_failed("Issue", "labels", "invalid")
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
        if labels is not None:
            chosen = [self._label(repo, str(name)) for name in labels]
            self.activity.set_labels(repo, issue, chosen, request[ACCOUNT])
        if edited:
            self.activity.issue_event(repo, issue, "edited", request[ACCOUNT], changes=edited)
        if action:
            self.activity.issue_event(repo, issue, action, request[ACCOUNT])
        return json_response(issue_shapes.issue(issue, repo, self._url()))

    async def list_comments(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/comments#list-issue-comments
        repo = self._repo(request)
        number = request.match_info["number"]
        since = self._since(request)
        comments = [c for c in self._thread(repo, number) if since is None or c.created_at >= since]
        return self._paginate(
            request, [issue_shapes.comment(c, repo, int(number), self._url()) for c in comments]
        )

    async def create_comment(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
        repo = self._repo(request)
        number = request.match_info["number"]
        data = await self._body(request)
        if not isinstance(data, dict) or not data.get("body"):
            raise validation_failed("IssueComment", "body", "missing_field")
        if not isinstance(data["body"], str):
            raise validation_failed("IssueComment", "body", "invalid")
        self._thread(repo, number)  # 404 before anything happens
        comment = self.activity.add_comment(repo, int(number), data["body"], request[ACCOUNT])
        return json_response(
            issue_shapes.comment(comment, repo, int(number), self._url()), status=201
        )
