"""The autopilot: the OpenCode agent's pull requests merge and CI runs by themselves.

Off by default (tests drive each step); `autoflow demo` turns it on. When on, after the agent
opens a PR it waits `merge_delay_seconds`, merges it (as a repository admin), waits
`ci_delay_seconds`, then plays every workflow of the repository on the merge commit (a `push`
event run each, so `pull_requests` is empty) with conclusions taken, in order, from `script`
and, once that is empty, drawn from `failure_rate` (0: all success, the default). A re-run
asked for through the REST API completes the same way.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from app.sandbox import github_store as store
from app.sandbox.agent import OpenCodeAgent
from app.sandbox.github_activity import CONCLUSIONS, GitHubActivity

MERGE_DELAY_SECONDS = 1.0  # between the agent's PR and its merge
CI_DELAY_SECONDS = 0.5  # between the merge (or a re-run) and the runs' completion


@dataclass
class AutopilotSettings:
    enabled: bool = False
    merge_delay_seconds: float = MERGE_DELAY_SECONDS
    ci_delay_seconds: float = CI_DELAY_SECONDS
    failure_rate: float = 0.0  # chance that a run concludes "failure" once `script` is empty
    script: deque[str] = field(default_factory=deque)  # the next runs' conclusions, in order
    seed: int = 0  # of the random draws, so a failure rate replays the same way

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "script": list(self.script)}


class Autopilot:
    """Merges the agent's pull requests and completes CI on the merge commits."""

    def __init__(self, activity: GitHubActivity, agent: OpenCodeAgent) -> None:
        self.activity = activity
        self.agent = agent
        self.settings = AutopilotSettings()
        self._random = random.Random(self.settings.seed)  # noqa: S311 -- not security
        agent.pull_listeners.append(self._pull_opened)
        activity.merge_listeners.append(self._merged)

    def configure(self, **changes: Any) -> AutopilotSettings:
        """Change settings by name; ValueError on an unknown name or a bad value."""
        settings = self.settings
        for name, value in changes.items():
            if name not in AutopilotSettings.__dataclass_fields__:
                raise ValueError(f"unknown autopilot setting {name!r}")
            if name == "script":
                if not isinstance(value, list) or any(v not in CONCLUSIONS for v in value):
                    raise ValueError(f"script: a list of conclusions among {CONCLUSIONS}")
                value = deque(value)
            elif name == "enabled":
                if not isinstance(value, bool):
                    raise ValueError("enabled: true or false")
            elif name == "seed":
                if not isinstance(value, int):
                    raise ValueError("seed: an integer")
                self._random.seed(value)
            else:
                if not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"{name}: a number >= 0")
                if name == "failure_rate" and value > 1:
                    raise ValueError("failure_rate: between 0 and 1")
                value = float(value)
            setattr(settings, name, value)
        return settings

    def next_conclusion(self) -> str:
        if self.settings.script:
            return self.settings.script.popleft()
        return "failure" if self._random.random() < self.settings.failure_rate else "success"

    def _pull_opened(self, repo: store.Repo, issue: store.IssueRecord, pull: store.PullRecord):
        if self.settings.enabled:
            self.agent.spawn(self._merge_later(repo, pull))

    async def _merge_later(self, repo: store.Repo, pull: store.PullRecord) -> None:
        await asyncio.sleep(self.settings.merge_delay_seconds)
        if pull.state == "open":
            self.activity.merge(repo, pull, self.agent.merger(repo))

    def _merged(self, repo: store.Repo, pull: store.PullRecord) -> None:
        if self.settings.enabled and pull.merge_commit_sha:
            workflows = sorted(repo.workflows) or ["CI"]
            runs = self.activity.start_runs(repo, pull.merge_commit_sha, workflows)
            self.agent.spawn(self._complete_later(repo, runs))

    def rerun_requested(self, repo: store.Repo, run: store.RunRecord) -> None:
        """A re-run was asked for through the API: complete it when the autopilot is on."""
        if self.settings.enabled:
            self.agent.spawn(self._complete_later(repo, [run]))

    async def _complete_later(self, repo: store.Repo, runs: list[store.RunRecord]) -> None:
        await asyncio.sleep(self.settings.ci_delay_seconds / 2)
        attempts = {run.id: run.run_attempt for run in runs}
        for run in runs:
            self.activity.progress_run(repo, run)
        await asyncio.sleep(self.settings.ci_delay_seconds / 2)
        for run in runs:
            # Someone may have completed or re-run it meanwhile (a control endpoint).
            if run.status != "completed" and run.run_attempt == attempts[run.id]:
                self.activity.complete_run(repo, run, self.next_conclusion())
