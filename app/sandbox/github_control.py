"""The GitHub sandbox's control endpoints (`/_sandbox/...`): the agent's and CI's actions.

    POST /_sandbox/merge        {"repo", "number", "by"?}            -> {"sha"}
    POST /_sandbox/runs         {"repo", "head_sha", "conclusions"?, "event"?, "complete"?}
    POST /_sandbox/runs/{id}/complete  {"repo", "conclusion"}
    POST /_sandbox/rerun        {"repo", "run_id", "conclusion"?, "failed_only"?}
    POST /_sandbox/comment      {"repo", "number", "body", "as"}     (a person's comment)
    GET|POST /_sandbox/autopilot  settings (see autopilot.py)
    GET|POST /_sandbox/agent      {"enabled"?, "next_outcomes"?}   -> also what it ignored
    POST /_sandbox/redeliver    {"guid"}
plus `GET /_sandbox`, `POST /_sandbox/settle` and `POST /_sandbox/faults` (control.py).
Each answers JSON; docs/sandbox.md has curl examples.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.agent import OpenCodeAgent
from app.sandbox.autopilot import Autopilot
from app.sandbox.control import PREFIX, ControlBase, ControlError, need, read_json
from app.sandbox.github_activity import CONCLUSIONS, GitHubActivity
from app.sandbox.github_events import GitHubEventSender
from app.sandbox.server import json_response


def _run_summary(run: store.RunRecord) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.name,
        "head_sha": run.head_sha,
        "status": run.status,
        "conclusion": run.conclusion,
        "run_attempt": run.run_attempt,
    }


class GitHubControl(ControlBase):
    """Control endpoints of the GitHub sandbox."""

    world: store.GitHubWorld
    activity: GitHubActivity
    agent: OpenCodeAgent
    autopilot: Autopilot
    events: GitHubEventSender

    def github_control_routes(self) -> list[tuple[str, str, Any]]:
        return [
            *self.control_routes(),
            ("POST", f"{PREFIX}/merge", self.control_merge),
            ("POST", f"{PREFIX}/runs", self.control_runs),
            ("POST", f"{PREFIX}/runs/{{run_id}}/complete", self.control_complete_run),
            ("POST", f"{PREFIX}/rerun", self.control_rerun),
            ("POST", f"{PREFIX}/comment", self.control_comment),
            ("GET", f"{PREFIX}/autopilot", self.control_autopilot),
            ("POST", f"{PREFIX}/autopilot", self.control_autopilot),
            ("GET", f"{PREFIX}/agent", self.control_agent),
            ("POST", f"{PREFIX}/agent", self.control_agent),
            ("POST", f"{PREFIX}/redeliver", self.control_redeliver),
        ]

    def _control_repo(self, data: dict[str, Any]) -> store.Repo:
        name = need(data, "repo")
        repo = self.world.repos.get(name.lower())
        if repo is None:
            raise ControlError(f"repo: no repository {name}", 404)
        return repo

    def _control_run(self, repo: store.Repo, run_id: Any) -> store.RunRecord:
        run = repo.runs.get(int(run_id)) if str(run_id).isdigit() else None
        if run is None:
            raise ControlError(f"run_id: no run {run_id} in {repo.full_name}", 404)
        return run

    @staticmethod
    def _conclusion(value: Any) -> str:
        if value not in CONCLUSIONS:
            raise ControlError(f"conclusion: one of {CONCLUSIONS}, not {value!r}")
        return value

    async def control_merge(self, request: web.Request) -> web.Response:
        """Merge a pull request as a person with admin access (or `by`)."""
        data = await read_json(request)
        repo = self._control_repo(data)
        pull = repo.pulls.get(need(data, "number", int))
        if pull is None:
            raise ControlError(f"number: no pull request {data['number']}", 404)
        by = data.get("by")
        if by is not None and by not in self.world.accounts:
            raise ControlError(f"by: no account {by}")
        if pull.state != "open":
            raise ControlError(f"pull request #{pull.number} is {pull.state}", 409)
        sha = self.activity.merge(repo, pull, self.agent.merger(repo, by))
        return json_response({"sha": sha, "number": pull.number})

    async def control_runs(self, request: web.Request) -> web.Response:
        """Run workflows on a commit: queued only, or to completion with the given conclusions."""
        data = await read_json(request)
        repo = self._control_repo(data)
        head_sha = need(data, "head_sha")
        if head_sha not in repo.commits:
            raise ControlError(f"head_sha: no commit {head_sha} in {repo.full_name}", 404)
        conclusions = data.get("conclusions") or {
            name: "success" for name in sorted(repo.workflows)
        }
        if not isinstance(conclusions, dict):
            raise ControlError("conclusions: an object of workflow name -> conclusion")
        for value in conclusions.values():
            self._conclusion(value)
        event = data.get("event", "push")
        if data.get("complete", True):
            runs = self.activity.play_runs(repo, head_sha, conclusions, event=event)
        else:
            runs = self.activity.start_runs(repo, head_sha, list(conclusions), event=event)
        return json_response({"runs": [_run_summary(r) for r in runs]})

    async def control_complete_run(self, request: web.Request) -> web.Response:
        data = await read_json(request)
        repo = self._control_repo(data)
        run = self._control_run(repo, request.match_info["run_id"])
        if run.status == "completed":
            raise ControlError(f"run {run.id} is already completed", 409)
        self.activity.complete_run(repo, run, self._conclusion(need(data, "conclusion")))
        return json_response(_run_summary(run))

    async def control_rerun(self, request: web.Request) -> web.Response:
        """Re-run a run (same id, run_attempt + 1), completed with `conclusion` when given."""
        data = await read_json(request)
        repo = self._control_repo(data)
        run = self._control_run(repo, data.get("run_id"))
        if run.status != "completed":
            raise ControlError(f"run {run.id} is still {run.status}", 409)
        self.activity.rerun(repo, run)
        if "conclusion" in data:
            self.activity.complete_run(repo, run, self._conclusion(data["conclusion"]))
        else:
            self.autopilot.rerun_requested(repo, run)
        return json_response(_run_summary(run))

    async def control_comment(self, request: web.Request) -> web.Response:
        """Comment on an issue or pull request as `as` (a login), as a person in the UI."""
        data = await read_json(request)
        repo = self._control_repo(data)
        number = need(data, "number", int)
        author = self.world.accounts.get(need(data, "as"))
        if author is None:
            raise ControlError(f"as: no account {data['as']}")
        if number not in repo.issues and number not in repo.pulls:
            raise ControlError(f"number: no issue {number}", 404)
        comment = self.activity.add_comment(repo, number, need(data, "body"), author)
        return json_response({"id": comment.id})

    async def control_autopilot(self, request: web.Request) -> web.Response:
        """Read or change the autopilot's settings."""
        data = await read_json(request) if request.method == "POST" else {}
        try:
            settings = self.autopilot.configure(**data)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        return json_response(settings.to_json())

    async def control_agent(self, request: web.Request) -> web.Response:
        """Turn the agent on or off, script its next outcomes ("pr", "no_changes")."""
        data = await read_json(request) if request.method == "POST" else {}
        if "enabled" in data:
            self.agent.enabled = bool(need(data, "enabled", bool))
        if "next_outcomes" in data:
            outcomes = need(data, "next_outcomes", list)
            if any(o not in ("pr", "no_changes") for o in outcomes):
                raise ControlError('next_outcomes: a list of "pr" or "no_changes"')
            self.agent.next_outcomes.extend(outcomes)
        return json_response(
            {
                "enabled": self.agent.enabled,
                "next_outcomes": list(self.agent.next_outcomes),
                "ignored": self.agent.ignored,
            }
        )

    async def control_redeliver(self, request: web.Request) -> web.Response:
        """Redeliver a past delivery by its X-GitHub-Delivery GUID."""
        data = await read_json(request)
        try:
            repo, hook, record = self.events.find(need(data, "guid"))
        except KeyError:
            raise ControlError(f"guid: no delivery {data['guid']}", 404) from None
        return json_response({"id": self.events.redeliver(repo, hook, record.id)})
