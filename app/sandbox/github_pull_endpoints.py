"""The GitHub sandbox's pull requests and workflow runs endpoints (read only).

Pull requests and runs are made by the OpenCode agent simulator (`agent.py`), not through the API.
"""

from __future__ import annotations

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.github_api import GitHubApi, GitHubError
from app.sandbox.server import json_response


class PullEndpoints(GitHubApi):
    """Reading a pull request, and listing or reading a repository's workflow runs."""

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
