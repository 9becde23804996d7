"""The GitHub sandbox's pull requests and commits endpoints.

Pull requests are opened by the OpenCode agent simulator (`agent.py`) or by tests; merging one
(through the API, the control endpoints or the autopilot) goes through `github_activity.py`,
which sends `pull_request` closed, `push` and `issues` closed as GitHub does.
"""

from __future__ import annotations

from aiohttp import web

from app.sandbox import github_code_shapes as code_shapes
from app.sandbox import github_store as store
from app.sandbox.github_api import ACCOUNT, GitHubApi, GitHubError, validation_failed
from app.sandbox.server import json_response


class PullEndpoints(GitHubApi):
    """Reading, listing and merging pull requests; their commits and files; a commit."""

    def _pull(self, request: web.Request, repo: store.Repo) -> store.PullRecord:
        pull = repo.pulls.get(self._number(request, "number"))
        if pull is None:
            raise GitHubError(404, "Not Found")
        return pull

    async def get_pull(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
        repo = self._repo(request)
        return json_response(code_shapes.pull(self._pull(request, repo), repo, self._url()))

    async def list_pulls(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
        # `head` is "user:ref-name" (or "organization:ref-name"); `base` a branch name.
        repo = self._repo(request)
        state = self._choice(request, "state", ("open", "closed", "all"), "open")
        sort = self._choice(
            request, "sort", ("created", "updated", "popularity", "long-running"), "created"
        )
        direction = self._choice(
            request, "direction", ("asc", "desc"), "desc" if sort == "created" else "asc"
        )
        head = request.query.get("head")
        if head is not None and ":" not in head:
            raise validation_failed("PullRequest", "head", "invalid", head)
        base = request.query.get("base")
        pulls = [
            p
            for p in repo.pulls.values()
            if (state == "all" or p.state == state)
            and (head is None or head.lower() == f"{repo.owner.login}:{p.head_ref}".lower())
            and (base is None or p.base_ref == base)
        ]
        key = "updated_at" if sort == "updated" else "created_at"
        pulls.sort(key=lambda p: (getattr(p, key), p.number), reverse=direction == "desc")
        return self._paginate(
            request, [code_shapes.pull_simple(p, repo, self._url()) for p in pulls]
        )

    async def list_pull_commits(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/pulls/pulls#list-commits-on-a-pull-request
        repo = self._repo(request)
        pull = self._pull(request, repo)
        return self._paginate(
            request,
            [
                code_shapes.commit(repo.commits[sha], repo, self._url(), with_files=False)
                for sha in pull.commits
            ],
        )

    async def list_pull_files(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
        repo = self._repo(request)
        pull = self._pull(request, repo)
        entries = [
            code_shapes.diff_entry(change, repo.commits[sha], repo, self._url())
            for sha in pull.commits
            for change in repo.commits[sha].files
        ]
        return self._paginate(request, entries)

    async def merge_pull(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request
        repo = self._repo(request, "write")
        pull = self._pull(request, repo)
        data = await self._body(request) if request.can_read_body else {}
        if not isinstance(data, dict):
            raise GitHubError(400, "Problems parsing JSON")
        method = data.get("merge_method", "merge")
        if method not in ("merge", "squash", "rebase"):
            raise validation_failed("PullRequest", "merge_method", "invalid", method)
        if pull.state != "open":
            raise GitHubError(405, "Pull Request is not mergeable")
        if data.get("sha") and data["sha"] != pull.head_sha:
            raise GitHubError(409, "Head branch was modified. Review and try the merge again.")
        sha = self.activity.merge(repo, pull, request[ACCOUNT])
        return json_response(
            {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}
        )

    async def get_commit(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/commits/commits#get-a-commit
        # `ref` is a sha (full or abbreviated, at least 7 characters) or a branch name.
        repo = self._repo(request)
        ref = request.match_info["ref"]
        sha = repo.branches.get(ref, ref)
        record = repo.commits.get(sha)
        if record is None and len(ref) >= 7:
            record = next((c for s, c in repo.commits.items() if s.startswith(ref)), None)
        if record is None:
            raise GitHubError(422, f"No commit found for SHA: {ref}")
        return json_response(code_shapes.commit(record, repo, self._url()))
