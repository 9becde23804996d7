"""The GitHub sandbox's labels and issue search endpoints.

Labelling an issue sends `issues` labeled / unlabeled, as GitHub does.
"""

from __future__ import annotations

import re

from aiohttp import web

from app.sandbox import github_issue_shapes as issue_shapes
from app.sandbox import github_store as store
from app.sandbox.github_api import ACCOUNT, GitHubApi, GitHubError, validation_failed
from app.sandbox.server import json_response


class LabelEndpoints(GitHubApi):
    """A repository's labels, an issue's labels, and searching issues."""

    async def get_label(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#get-a-label
        repo = self._repo(request)
        label = repo.labels.get(request.match_info["name"].lower())
        if label is None:
            raise GitHubError(404, "Not Found")
        return json_response(issue_shapes.label(label, repo, self._url()))

    async def create_label(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#create-a-label
        repo = self._repo(request, "write")
        data = await self._body(request)
        name = str(data.get("name") or "")
        if not name:
            raise validation_failed("Label", "name", "missing_field")
        if name.lower() in repo.labels:
            raise validation_failed("Label", "name", "already_exists")
        color = str(data.get("color") or "ededed").lstrip("#")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            raise validation_failed("Label", "color", "invalid")
        label = store.LabelRecord(store.new_id(), name, color, data.get("description"))
        repo.labels[name.lower()] = label
        return json_response(issue_shapes.label(label, repo, self._url()), status=201)

    async def add_labels(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue
        repo = self._repo(request, "write")
        issue = self._issue(repo, request.match_info["number"])
        data = await self._body(request)
        names = data.get("labels") if isinstance(data, dict) else data
        if not isinstance(names, list) or not names:
            raise validation_failed("Label", "labels", "missing_field")
        added = [self._label(repo, str(name)) for name in names]
        self.activity.set_labels(repo, issue, [*issue.labels, *added], request[ACCOUNT])
        return json_response([issue_shapes.label(lb, repo, self._url()) for lb in issue.labels])

    async def remove_label(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/labels#remove-a-label-from-an-issue
        repo = self._repo(request, "write")
        issue = self._issue(repo, request.match_info["number"])
        name = request.match_info["name"].lower()
        label = next((lb for lb in issue.labels if lb.name.lower() == name), None)
        if label is None:
            raise GitHubError(404, "Label does not exist")
        kept = [lb for lb in issue.labels if lb is not label]
        self.activity.set_labels(repo, issue, kept, request[ACCOUNT])
        return json_response([issue_shapes.label(lb, repo, self._url()) for lb in issue.labels])

    async def search_issues(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests
        query = request.query.get("q", "")
        if not query.strip():
            raise validation_failed("Search", "q", "missing")
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
                        items.append({**issue_shapes.issue(issue, repo, self._url()), "score": 1.0})
        return self._paginate(
            request,
            items,
            wrap=lambda chunk: {
                "total_count": len(items),
                "incomplete_results": False,
                "search_type": "lexical",
                "items": chunk,
            },
        )
