"""The GitHub sandbox's user, repository, issues, comments, labels and issue search endpoints.

Creating an issue, changing its state, labelling it and commenting on it send the `issues` and
`issue_comment` webhooks GitHub sends; a comment is also shown to the OpenCode agent simulator.
"""

from __future__ import annotations

import re

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.github_api import ACCOUNT, GitHubApi, GitHubError, validation_failed
from app.sandbox.server import json_response

STATE_REASONS = ("completed", "not_planned", "reopened")


class IssueEndpoints(GitHubApi):
    """Who the token is, the repository, and its issues with their comments and labels."""

    def _issue(self, repo: store.Repo, number_text: str) -> store.IssueRecord:
        number = int(number_text) if number_text.isdigit() else -1
        if number in repo.issues:
            return repo.issues[number]
        raise GitHubError(404, "Not Found")

    async def get_user(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
        if request[ACCOUNT] is None:
            raise GitHubError(401, "Requires authentication")
        return json_response(store.account_json(request[ACCOUNT], self._url()))

    async def get_repo(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/repos#get-a-repository
        return json_response(store.repo_json(self._repo(request), self._url()))

    async def list_issues(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#list-repository-issues
        # Newest first; `state` open (the default), closed or all; `creator` a login; `since`
        # keeps issues updated at or after it. (Pull requests, which GitHub also lists here,
        # are kept apart in this sandbox and left out.)
        repo = self._repo(request)
        state = request.query.get("state", "open")
        creator = request.query.get("creator")
        since = request.query.get("since")
        issues = [
            issue
            for issue in sorted(repo.issues.values(), key=lambda i: i.number, reverse=True)
            if (state == "all" or issue.state == state)
            and (creator is None or issue.author.login.lower() == creator.lower())
            and (since is None or store.github_time(issue.updated_at) >= since)
        ]
        return self._paginate(request, [store.issue_json(i, repo, self._url()) for i in issues])

    async def create_issue(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/issues/issues#create-an-issue
        repo = self._repo(request)
        data = await self._body(request)
        title = data.get("title") if isinstance(data, dict) else None
        if not title:
            raise validation_failed("Issue", "title", "missing_field")
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
            raise validation_failed("Issue", "state", "invalid")
        if reason is not None and reason not in STATE_REASONS:
            raise validation_failed("Issue", "state_reason", "invalid")
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
            raise validation_failed("IssueComment", "body", "missing_field")
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
            raise validation_failed("Label", "name", "missing_field")
        if name.lower() in repo.labels:
            raise validation_failed("Label", "name", "already_exists")
        color = str(data.get("color") or "ededed").lstrip("#")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            raise validation_failed("Label", "color", "invalid")
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
            raise validation_failed("Label", "labels", "missing_field")
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
