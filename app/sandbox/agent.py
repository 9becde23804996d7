"""A stand-in for the OpenCode GitHub agent and for GitHub Actions, inside the GitHub sandbox.

What the real agent does, and so what this one does:
- its workflow starts on an issue *comment* containing `/opencode` or `/oc`, written by a user
  with write access; a comment by a GitHub App (a Bot account) is refused, and a command that
  only appears in the issue body starts nothing;
- it pushes a branch `opencode/issue<N>-<timestamp>`, opens a pull request whose body ends with
  `Closes #N`, then comments "Created PR #<number>" on the issue;
- when it has nothing to change it only comments.
Reference: https://opencode.ai/docs/github/

Merging and CI happen when a test (or the demo) says so: `merge()` produces a merge commit on
the default branch and closes the issues the PR names with a closing keyword; `complete_runs()`
and `rerun()` play GitHub Actions, one `workflow_run` event series per workflow.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.sandbox import github_store as store

if TYPE_CHECKING:
    from app.sandbox.github_server import GitHubSandbox

AGENT_LOGIN = "opencode-agent[bot]"
TRIGGER = re.compile(r"(?<![\w/])/(?:opencode|oc)\b")
# Reference: https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue
CLOSING_REFERENCE = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.IGNORECASE
)


class OpenCodeAgent:
    """Answers `/opencode` comments with pull requests; merges and runs CI when told to."""

    def __init__(self, github: GitHubSandbox) -> None:
        self.github = github
        self.enabled = True
        # What the next triggered runs do, in order: "pr" (the default) or "no_changes".
        self.next_outcomes: deque[str] = deque()
        self.ignored: list[str] = []  # why comments that mention the agent were not acted on

    @property
    def account(self) -> store.Account:
        world = self.github.world
        return world.accounts.get(AGENT_LOGIN) or world.add_account(AGENT_LOGIN, kind="Bot")

    def notice_comment(
        self, repo: store.Repo, issue: store.IssueRecord, comment: store.CommentRecord
    ) -> None:
        """Start a run, in the background, when the comment would start the real workflow."""
        if not self.enabled or not TRIGGER.search(comment.body):
            return
        if comment.author.type == "Bot":
            self.ignored.append(f"#{issue.number}: comment by the app {comment.author.login}")
            return
        if self.github.world.permission(repo, comment.author.login) not in ("write", "admin"):
            self.ignored.append(f"#{issue.number}: {comment.author.login} lacks write access")
            return
        self.github.sender.spawn(self._run(repo, issue))

    async def _run(self, repo: store.Repo, issue: store.IssueRecord) -> None:
        outcome = self.next_outcomes.popleft() if self.next_outcomes else "pr"
        if outcome == "no_changes":
            self.github.add_comment(
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
        pull = self.open_pull(repo, branch, issue.title, body, self.account)
        self.github.add_comment(repo, issue.number, f"Created PR #{pull.number}", self.account)

    def open_pull(
        self, repo: store.Repo, branch: str, title: str, body: str, author: store.Account
    ) -> store.PullRecord:
        """Push `branch` and open a pull request from it (the agent's, or anyone's in a test)."""
        head_sha = store.fake_sha(repo.full_name, branch, "head")
        repo.branches[branch] = head_sha
        moment = store.now()
        pull = store.PullRecord(
            store.new_id(),
            repo.take_number(),
            title,
            body,
            author,
            head_ref=branch,
            head_sha=head_sha,
            base_ref=repo.default_branch,
            base_sha=repo.branches[repo.default_branch],
            created_at=moment,
            updated_at=moment,
        )
        repo.pulls[pull.number] = pull
        payload = {
            "action": "opened",
            "number": pull.number,
            "pull_request": store.pull_json(pull, repo, self.github.base_url),
        }
        self.github.fire(repo, "pull_request", payload, author)
        return pull

    def _repo(self, full_name: str) -> store.Repo:
        return self.github.world.repos[full_name.lower()]

    def merge(self, repo_name: str, number: int, *, by: str | None = None) -> str:
        """Merge a pull request into the default branch; returns the merge commit's sha."""
        repo = self._repo(repo_name)
        pull = repo.pulls[number]
        if pull.state != "open":
            raise ValueError(f"pull request #{number} is {pull.state}")
        actor = self.github.world.accounts[by] if by else repo.owner
        before = repo.branches[repo.default_branch]
        sha = store.fake_sha(repo.full_name, number, before, "merge")
        moment = store.now()
        pull.merged, pull.merged_at, pull.merge_commit_sha = True, moment, sha
        pull.state, pull.closed_at, pull.updated_at = "closed", moment, moment
        repo.branches[repo.default_branch] = sha
        base = self.github.base_url
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
        closed = {
            "action": "closed",
            "number": number,
            "pull_request": store.pull_json(pull, repo, base),
        }
        self.github.fire(repo, "pull_request", closed, actor)
        commit = {
            "id": sha,
            "message": f"{pull.title} (#{number})",
            "timestamp": store.github_time(moment),
        }
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
        push = {
            "ref": f"refs/heads/{repo.default_branch}",
            "before": before,
            "after": sha,
            "commits": [commit],
            "head_commit": commit,
            "pusher": {"name": actor.login},
        }
        self.github.fire(repo, "push", push, actor)
        for reference in CLOSING_REFERENCE.findall(f"{pull.title}\n{pull.body}"):
            issue = repo.issues.get(int(reference))
            if issue is not None and issue.state == "open":
                issue.state, issue.state_reason, issue.closed_at = "closed", "completed", moment
                payload = {"action": "closed", "issue": store.issue_json(issue, repo, base)}
                self.github.fire(repo, "issues", payload, actor)
        return sha

    def complete_runs(
        self,
        repo_name: str,
        head_sha: str,
        conclusions: Mapping[str, str] | None = None,
        *,
        event: str = "push",
    ) -> list[store.RunRecord]:
        """Run workflows on a commit to completion: one run and one event series per workflow."""
        repo = self._repo(repo_name)
        branch = next(
            (b for b, sha in repo.branches.items() if sha == head_sha), repo.default_branch
        )
        runs = []
        for name, conclusion in (conclusions or {"CI": "success"}).items():
            workflow_id = repo.workflows.setdefault(name, store.new_id())
            moment = store.now()
            run = store.RunRecord(
                store.new_id(),
                name,
                workflow_id,
                run_number=len(repo.runs) + 1,
                head_sha=head_sha,
                head_branch=branch,
                event=event,
                created_at=moment,
                updated_at=moment,
            )
            repo.runs[run.id] = run
            self._play(repo, run, conclusion)
            runs.append(run)
        return runs

    def rerun(self, repo_name: str, run_id: int, conclusion: str) -> store.RunRecord:
        """Re-run a workflow run: same id, `run_attempt` one higher, a new event series."""
        repo = self._repo(repo_name)
        run = repo.runs[run_id]
        run.run_attempt += 1
        run.conclusion = None
        self._play(repo, run, conclusion)
        return run

    def _play(self, repo: store.Repo, run: store.RunRecord, conclusion: str) -> None:
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run
        for action, status in (
            ("requested", "queued"),
            ("in_progress", "in_progress"),
            ("completed", "completed"),
        ):
            run.status = status
            run.conclusion = conclusion if status == "completed" else None
            run.updated_at = store.now()
            self.github.fire(repo, "workflow_run", self._run_payload(repo, run, action), repo.owner)

    def _run_payload(self, repo: store.Repo, run: store.RunRecord, action: str) -> dict[str, Any]:
        return {
            "action": action,
            "workflow_run": store.run_json(run, repo, self.github.base_url),
            "workflow": {
                "id": run.workflow_id,
                "name": run.name,
                "path": f".github/workflows/{run.name.lower()}.yml",
                "state": "active",
            },
        }
