"""What happens in the GitHub sandbox's world, and the webhooks each happening sends.

The REST handlers, the OpenCode agent simulator, the autopilot and the control endpoints all
change the world through `GitHubActivity`, so a comment posted through the API and one posted
by the agent send the same `issue_comment` event. It knows nothing of the HTTP server, and the
agent listens to comments through `comment_listeners` (no import of the agent here).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from app.sandbox import github_code_shapes as code_shapes
from app.sandbox import github_issue_shapes as issue_shapes
from app.sandbox import github_shapes as shapes
from app.sandbox import github_store as store
from app.sandbox.github_events import GitHubEventSender

# Reference: https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue
CLOSING_REFERENCE = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.IGNORECASE
)
ZERO_SHA = "0" * 40
# Reference: https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/re-running-workflows-and-jobs
FAILED_CONCLUSIONS = ("failure", "timed_out", "cancelled", "startup_failure")
CONCLUSIONS = ("success", "neutral", "skipped", "action_required", *FAILED_CONCLUSIONS)

CommentListener = Callable[[store.Repo, store.IssueRecord, store.CommentRecord], None]


class GitHubActivity:
    """Changes to repositories, each sending the webhook events GitHub would send."""

    def __init__(
        self, world: store.GitHubWorld, events: GitHubEventSender, base_url: Callable[[], str]
    ) -> None:
        self.world = world
        self.events = events
        self._base_url = base_url
        self.comment_listeners: list[CommentListener] = []
        # Called with (repo, pull) after every merge; the autopilot plays CI from here.
        self.merge_listeners: list[Callable[[store.Repo, store.PullRecord], None]] = []

    @property
    def base(self) -> str:
        return self._base_url()

    def repo(self, full_name: str) -> store.Repo:
        """The repository by full name (KeyError when there is none)."""
        return self.world.repos[full_name.lower()]

    def fire(
        self, repo: store.Repo, event: str, payload: dict[str, Any], sender: store.Account
    ) -> None:
        self.events.fire(repo, event, payload, sender)

    # -- issues and comments -----------------------------------------------------------------

    def issue_event(
        self,
        repo: store.Repo,
        issue: store.IssueRecord,
        action: str,
        sender: store.Account,
        **extra: Any,
    ) -> None:
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues
        payload = {"action": action, "issue": issue_shapes.issue(issue, repo, self.base), **extra}
        self.fire(repo, "issues", payload, sender)

    def set_labels(
        self,
        repo: store.Repo,
        issue: store.IssueRecord,
        labels: list[store.LabelRecord],
        sender: store.Account,
    ) -> None:
        """Give the issue exactly these labels: `labeled` / `unlabeled` for each difference."""
        wanted: list[store.LabelRecord] = []
        for record in labels:
            if record not in wanted:
                wanted.append(record)
        removed = [lb for lb in issue.labels if lb not in wanted]
        added = [lb for lb in wanted if lb not in issue.labels]
        for record in removed:
            issue.labels.remove(record)
            self.issue_event(repo, issue, "unlabeled", sender, label=self._label_json(repo, record))
        for record in added:
            issue.labels.append(record)
            self.issue_event(repo, issue, "labeled", sender, label=self._label_json(repo, record))
        if removed or added:
            issue.updated_at = store.now()

    def _label_json(self, repo: store.Repo, record: store.LabelRecord) -> dict[str, Any]:
        return issue_shapes.label(record, repo, self.base)

    def open_issue(
        self, repo: store.Repo, title: str, body: str, author: store.Account
    ) -> store.IssueRecord:
        moment = store.now()
        issue = store.IssueRecord(
            store.new_id(), repo.take_number(), title, body, author, moment, moment
        )
        repo.issues[issue.number] = issue
        return issue

    def add_comment(
        self, repo: store.Repo, number: int, body: str, author: store.Account
    ) -> store.CommentRecord:
        """Store a comment, send `issue_comment`, and let the listeners (the agent) see it."""
        comment = store.CommentRecord(store.new_id(), body, author, store.now())
        if number in repo.pulls:
            pull = repo.pulls[number]
            pull.comments.append(comment)
            issue_payload = issue_shapes.pull_as_issue(pull, repo, self.base)
        else:
            issue = repo.issues[number]
            issue.comments.append(comment)
            issue.updated_at = store.now()
            issue_payload = issue_shapes.issue(issue, repo, self.base)
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#issue_comment
        payload = {
            "action": "created",
            "issue": issue_payload,
            "comment": issue_shapes.comment(comment, repo, number, self.base),
        }
        self.fire(repo, "issue_comment", payload, author)
        if number in repo.issues:
            for listener in self.comment_listeners:
                listener(repo, repo.issues[number], comment)
        return comment

    # -- branches and pull requests ------------------------------------------------------------

    def push(
        self,
        repo: store.Repo,
        branch: str,
        commit: store.CommitRecord,
        before: str,
        pusher: store.Account,
    ) -> None:
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
        created = before == ZERO_SHA
        compare = (
            f"{shapes.WEB}/{repo.full_name}/commit/{commit.sha[:12]}"
            if created
            else f"{shapes.WEB}/{repo.full_name}/compare/{before[:12]}...{commit.sha[:12]}"
        )
        payload = {
            "ref": f"refs/heads/{branch}",
            "before": before,
            "after": commit.sha,
            "created": created,
            "deleted": False,
            "forced": False,
            "base_ref": None,
            "compare": compare,
            "commits": [code_shapes.push_commit(commit, repo)],
            "head_commit": code_shapes.push_commit(commit, repo),
            "pusher": {"name": pusher.login, "email": pusher.email},
        }
        self.fire(repo, "push", payload, pusher)

    def open_pull(
        self,
        repo: store.Repo,
        branch: str,
        title: str,
        body: str,
        author: store.Account,
        files: list[store.FileChange] | None = None,
    ) -> store.PullRecord:
        """Push a commit on a new `branch` and open a pull request from it."""
        base_sha = repo.branches[repo.default_branch]
        changes = files or [store.FileChange(f"src/change_{repo.next_number}.py", "added", 12)]
        commit = repo.add_commit(branch, title, author, changes, parents=[base_sha])
        self.push(repo, branch, commit, ZERO_SHA, author)
        moment = store.now()
        pull = store.PullRecord(
            store.new_id(),
            repo.take_number(),
            title,
            body,
            author,
            head_ref=branch,
            head_sha=commit.sha,
            base_ref=repo.default_branch,
            base_sha=base_sha,
            created_at=moment,
            updated_at=moment,
            commits=[commit.sha],
        )
        repo.pulls[pull.number] = pull
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
        payload = {
            "action": "opened",
            "number": pull.number,
            "pull_request": code_shapes.pull(pull, repo, self.base),
        }
        self.fire(repo, "pull_request", payload, author)
        return pull

    def merge(self, repo: store.Repo, pull: store.PullRecord, actor: store.Account) -> str:
        """Merge a pull request into its base with a merge commit; returns the commit's sha."""
        # Reference: https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request
        if pull.state != "open":
            raise ValueError(f"pull request #{pull.number} is {pull.state}")
        before = repo.branches[pull.base_ref]
        message = f"Merge pull request #{pull.number} from {pull.head_ref}\n\n{pull.title}"
        commit = repo.add_commit(pull.base_ref, message, actor, [], parents=[before, pull.head_sha])
        commit.files = [f for sha in pull.commits for f in repo.commits[sha].files]
        moment = store.now()
        pull.merged, pull.merged_at, pull.merge_commit_sha = True, moment, commit.sha
        pull.merged_by = actor
        pull.state, pull.closed_at, pull.updated_at = "closed", moment, moment
        closed = {
            "action": "closed",
            "number": pull.number,
            "pull_request": code_shapes.pull(pull, repo, self.base),
        }
        self.fire(repo, "pull_request", closed, actor)
        self.push(repo, pull.base_ref, commit, before, actor)
        for reference in CLOSING_REFERENCE.findall(f"{pull.title}\n{pull.body}"):
            issue = repo.issues.get(int(reference))
            if issue is not None and issue.state == "open":
                issue.state, issue.state_reason, issue.closed_at = "closed", "completed", moment
                issue.updated_at = moment
                self.issue_event(repo, issue, "closed", actor)
        for listener in self.merge_listeners:
            listener(repo, pull)
        return commit.sha

    # -- GitHub Actions ------------------------------------------------------------------------

    def start_runs(
        self,
        repo: store.Repo,
        head_sha: str,
        workflows: list[str],
        *,
        event: str = "push",
        actor: store.Account | None = None,
    ) -> list[store.RunRecord]:
        """Queue one run per workflow on a commit (sends `workflow_run` requested)."""
        branch = next(
            (b for b, sha in repo.branches.items() if sha == head_sha), repo.default_branch
        )
        if actor is None:  # whoever pushed the commit (the merger, for a merge commit)
            commit = repo.commits.get(head_sha)
            actor = commit.author if commit is not None else repo.owner
        runs = []
        for name in workflows:
            moment = store.now()
            run = store.RunRecord(
                store.new_id(),
                name,
                repo.workflow_id(name),
                run_number=sum(r.name == name for r in repo.runs.values()) + 1,
                head_sha=head_sha,
                head_branch=branch,
                event=event,
                created_at=moment,
                updated_at=moment,
                actor=actor,
            )
            repo.runs[run.id] = run
            self.run_event(repo, run, "requested")
            runs.append(run)
        return runs

    def progress_run(self, repo: store.Repo, run: store.RunRecord) -> None:
        run.status, run.conclusion = "in_progress", None
        run.run_started_at = run.updated_at = store.now()
        self.run_event(repo, run, "in_progress")

    def complete_run(self, repo: store.Repo, run: store.RunRecord, conclusion: str) -> None:
        if conclusion not in CONCLUSIONS:
            raise ValueError(f"unknown conclusion {conclusion!r}; one of {CONCLUSIONS}")
        if run.status == "queued":
            self.progress_run(repo, run)
        run.status, run.conclusion, run.updated_at = "completed", conclusion, store.now()
        self.run_event(repo, run, "completed")

    def rerun(self, repo: store.Repo, run: store.RunRecord) -> None:
        """A new attempt of a run: same id, `run_attempt` + 1, queued again."""
        # Reference: https://docs.github.com/en/rest/actions/workflow-runs#re-run-a-workflow
        run.run_attempt += 1
        run.status, run.conclusion = "queued", None
        run.created_at = run.updated_at = store.now()
        run.run_started_at = None
        self.run_event(repo, run, "requested")

    def run_event(self, repo: store.Repo, run: store.RunRecord, action: str) -> None:
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run
        payload = {
            "action": action,
            "workflow_run": code_shapes.run(run, repo, self.base),
            "workflow": code_shapes.workflow(run.name, run.workflow_id, repo, self.base),
        }
        self.fire(repo, "workflow_run", payload, run.actor or repo.owner)

    def play_runs(
        self,
        repo: store.Repo,
        head_sha: str,
        conclusions: Mapping[str, str],
        *,
        event: str = "push",
    ) -> list[store.RunRecord]:
        """Run workflows on a commit to completion: requested, in_progress, completed each."""
        runs = self.start_runs(repo, head_sha, list(conclusions), event=event)
        for run in runs:
            self.progress_run(repo, run)
            self.complete_run(repo, run, conclusions[run.name])
        return runs
