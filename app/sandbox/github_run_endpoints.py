"""The GitHub sandbox's GitHub Actions endpoints: workflow runs, and re-running them.

Runs are started by the autopilot, the control endpoints or tests (`github_activity.py`
plays them); a re-run keeps the run's id and raises its `run_attempt`, as GitHub does.
"""

from __future__ import annotations

from aiohttp import web

from app.sandbox import github_code_shapes as code_shapes
from app.sandbox import github_store as store
from app.sandbox.github_activity import CONCLUSIONS, FAILED_CONCLUSIONS
from app.sandbox.github_api import GitHubApi, GitHubError, validation_failed
from app.sandbox.server import json_response

# Reference: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
# (`status` takes a status or a conclusion)
RUN_STATUSES = ("queued", "in_progress", "completed", "requested", "waiting", "pending")
RUN_EVENTS = ("push", "pull_request", "workflow_dispatch", "schedule", "issue_comment")


class RunEndpoints(GitHubApi):
    """Listing and reading workflow runs; re-running one, or only its failed jobs."""

    def _run(self, request: web.Request, repo: store.Repo) -> store.RunRecord:
        run = repo.runs.get(self._number(request, "run_id"))
        if run is None:
            raise GitHubError(404, "Not Found")
        return run

    async def list_runs(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
        repo = self._repo(request)
        head_sha = request.query.get("head_sha")
        event = request.query.get("event")
        branch = request.query.get("branch")
        actor = request.query.get("actor")
        status = request.query.get("status")
        if status is not None and status not in (*RUN_STATUSES, *CONCLUSIONS):
            raise validation_failed("WorkflowRun", "status", "invalid", status)

        def keep(run: store.RunRecord) -> bool:
            return (
                (head_sha is None or run.head_sha == head_sha)
                and (event is None or run.event == event)
                and (branch is None or run.head_branch == branch)
                and (actor is None or (run.actor is not None and run.actor.login == actor))
                and (status is None or status in (run.status, run.conclusion))
            )

        runs = sorted(filter(keep, repo.runs.values()), key=lambda r: r.id, reverse=True)
        records = [code_shapes.run(r, repo, self._url()) for r in runs]
        return self._paginate(
            request,
            records,
            wrap=lambda chunk: {"total_count": len(records), "workflow_runs": chunk},
        )

    async def get_run(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
        repo = self._repo(request)
        return json_response(code_shapes.run(self._run(request, repo), repo, self._url()))

    async def rerun_run(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#re-run-a-workflow
        return await self._rerun(request, failed_only=False)

    async def rerun_failed_jobs(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#re-run-failed-jobs-from-a-workflow-run
        return await self._rerun(request, failed_only=True)

    async def _rerun(self, request: web.Request, *, failed_only: bool) -> web.Response:
        repo = self._repo(request, "write")
        run = self._run(request, repo)
        if run.status != "completed":
            raise GitHubError(403, "This workflow is already running")
        if failed_only and run.conclusion not in FAILED_CONCLUSIONS:
            raise GitHubError(403, "This workflow run has no failed jobs to re-run")
        self.activity.rerun(repo, run)
        self.autopilot.rerun_requested(repo, run)
        return json_response({}, status=201)
