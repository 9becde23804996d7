"""A stand-in for the OpenCode GitHub agent, inside the GitHub sandbox.

What the real agent does, and so what this one does:
- its workflow starts on an issue *comment* containing `/opencode` or `/oc`, written by a user
  with write access; a comment by a GitHub App (a Bot account) is refused, and a command that
  only appears in the issue body starts nothing;
- it pushes a branch `opencode/issue<N>-<timestamp>`, opens a pull request whose body ends with
  `Closes #N`, then comments "Created PR #<number>" on the issue;
- when it has nothing to change it only comments.
Reference: https://opencode.ai/docs/github/

Merging and CI happen when a test, the control endpoints or the autopilot (`autopilot.py`) say
so: `merge()` makes a merge commit on the default branch and closes the issues the PR names with
a closing keyword; `complete_runs()` and `rerun()` play GitHub Actions, one `workflow_run` event
series per workflow. The agent only knows `GitHubActivity`, never the HTTP server.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

from app.sandbox import github_store as store
from app.sandbox.github_activity import CLOSING_REFERENCE, GitHubActivity

__all__ = ["AGENT_LOGIN", "CLOSING_REFERENCE", "TRIGGER", "OpenCodeAgent"]

AGENT_LOGIN = "opencode-agent[bot]"
TRIGGER = re.compile(r"(?<![\w/])/(?:opencode|oc)\b")

Spawn = Callable[[Coroutine[Any, Any, Any]], None]


class OpenCodeAgent:
    """Answers `/opencode` comments with pull requests; merges and runs CI when told to."""

    def __init__(self, activity: GitHubActivity, spawn: Spawn) -> None:
        self.activity = activity
        self.spawn = spawn
        self.enabled = True
        # What the next triggered runs do, in order: "pr" (the default) or "no_changes".
        self.next_outcomes: deque[str] = deque()
        self.ignored: list[str] = []  # why comments that mention the agent were not acted on
        # Called with (repo, issue, pull) after the agent opened a PR; the autopilot listens.
        self.pull_listeners: list[
            Callable[[store.Repo, store.IssueRecord, store.PullRecord], None]
        ] = []
        activity.comment_listeners.append(self.notice_comment)

    @property
    def world(self) -> store.GitHubWorld:
        return self.activity.world

    @property
    def account(self) -> store.Account:
        return self.world.accounts.get(AGENT_LOGIN) or self.world.add_account(
            AGENT_LOGIN, kind="Bot"
        )

    def notice_comment(
        self, repo: store.Repo, issue: store.IssueRecord, comment: store.CommentRecord
    ) -> None:
        """Start a run, in the background, when the comment would start the real workflow."""
        if not self.enabled or not TRIGGER.search(comment.body):
            return
        if comment.author.type == "Bot":
            self.ignored.append(f"#{issue.number}: comment by the app {comment.author.login}")
            return
        if self.world.permission(repo, comment.author.login) not in ("write", "admin"):
            self.ignored.append(f"#{issue.number}: {comment.author.login} lacks write access")
            return
        self.spawn(self._run(repo, issue))

    async def _run(self, repo: store.Repo, issue: store.IssueRecord) -> None:
        outcome = self.next_outcomes.popleft() if self.next_outcomes else "pr"
        if outcome == "no_changes":
            self.activity.add_comment(
                repo, issue.number, "I looked into this and found nothing to change.", self.account
            )
            return
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        branch = f"opencode/issue{issue.number}-{stamp}"
        suffix = 1
        while branch in repo.branches:
            suffix += 1
            branch = f"opencode/issue{issue.number}-{stamp}{suffix}"
        body = f"Implements the change asked for in #{issue.number}.\n\nCloses #{issue.number}"
        pull = self.activity.open_pull(repo, branch, issue.title, body, self.account)
        self.activity.add_comment(repo, issue.number, f"Created PR #{pull.number}", self.account)
        for listener in self.pull_listeners:
            listener(repo, issue, pull)

    def open_pull(
        self, repo: store.Repo, branch: str, title: str, body: str, author: store.Account
    ) -> store.PullRecord:
        """Push `branch` and open a pull request from it (the agent's, or anyone's in a test)."""
        return self.activity.open_pull(repo, branch, title, body, author)

    def merger(self, repo: store.Repo, by: str | None = None) -> store.Account:
        """Who merges: `by`, else the first person with admin access, else the owner."""
        if by:
            return self.world.accounts[by]
        admins = [login for login, p in repo.permissions.items() if p == "admin"]
        people = [self.world.accounts[a] for a in admins if self.world.accounts[a].type == "User"]
        return people[0] if people else repo.owner

    def merge(self, repo_name: str, number: int, *, by: str | None = None) -> str:
        """Merge a pull request into the default branch; returns the merge commit's sha."""
        repo = self.activity.repo(repo_name)
        return self.activity.merge(repo, repo.pulls[number], self.merger(repo, by))

    def complete_runs(
        self,
        repo_name: str,
        head_sha: str,
        conclusions: Mapping[str, str] | None = None,
        *,
        event: str = "push",
    ) -> list[store.RunRecord]:
        """Run workflows on a commit to completion: one run and one event series per workflow."""
        repo = self.activity.repo(repo_name)
        return self.activity.play_runs(
            repo, head_sha, dict(conclusions or {"CI": "success"}), event=event
        )

    def rerun(self, repo_name: str, run_id: int, conclusion: str) -> store.RunRecord:
        """Re-run a workflow run: same id, `run_attempt` one higher, a new event series."""
        repo = self.activity.repo(repo_name)
        run = repo.runs[run_id]
        self.activity.rerun(repo, run)
        self.activity.complete_run(repo, run, conclusion)
        return run
