"""The GitHub sandbox's in-memory world and how it is written out as GitHub's JSON.

Shapes follow the REST reference and the webhook payload reference; only the fields a client
or a receiver could reasonably read are filled in.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_ids = itertools.count(3_000_001)
DOCS_URL = "https://docs.github.com/rest"


def new_id() -> int:
    return next(_ids)


def now() -> datetime:
    return datetime.now(UTC)


def github_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


@dataclass
class Account:
    id: int
    login: str
    type: str = "User"  # "Bot" for GitHub Apps such as the agent


@dataclass
class LabelRecord:
    id: int
    name: str
    color: str
    description: str | None = None


@dataclass
class CommentRecord:
    id: int
    body: str
    author: Account
    created_at: datetime


@dataclass
class IssueRecord:
    id: int
    number: int
    title: str
    body: str
    author: Account
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    labels: list[LabelRecord] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)


@dataclass
class PullRecord:
    id: int
    number: int
    title: str
    body: str
    author: Account
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    merged: bool = False
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merge_commit_sha: str | None = None
    comments: list[CommentRecord] = field(default_factory=list)


@dataclass
class RunRecord:
    id: int
    name: str
    workflow_id: int
    run_number: int
    head_sha: str
    head_branch: str
    event: str
    created_at: datetime
    updated_at: datetime
    status: str = "queued"
    conclusion: str | None = None
    run_attempt: int = 1


@dataclass
class HookRecord:
    id: int
    events: list[str]
    url: str
    content_type: str
    secret: str | None
    active: bool
    created_at: datetime
    last_response: dict[str, Any] = field(
        default_factory=lambda: {"code": None, "status": "unused", "message": None}
    )


@dataclass
class Repo:
    id: int
    owner: Account
    name: str
    default_branch: str = "main"
    private: bool = True
    permissions: dict[str, str] = field(default_factory=dict)  # login -> admin/write/read
    issues: dict[int, IssueRecord] = field(default_factory=dict)
    pulls: dict[int, PullRecord] = field(default_factory=dict)
    labels: dict[str, LabelRecord] = field(default_factory=dict)  # lower-cased name -> label
    hooks: dict[int, HookRecord] = field(default_factory=dict)
    runs: dict[int, RunRecord] = field(default_factory=dict)
    workflows: dict[str, int] = field(default_factory=dict)  # workflow name -> id
    branches: dict[str, str] = field(default_factory=dict)  # branch -> head sha
    next_number: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def take_number(self) -> int:
        # Issues and pull requests share one sequence of numbers.
        number = self.next_number
        self.next_number += 1
        return number


@dataclass
class GitHubWorld:
    """Everything the GitHub sandbox knows; tests may read and seed it directly."""

    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> login
    repos: dict[str, Repo] = field(default_factory=dict)  # lower-cased full name -> repo

    def add_account(self, login: str, *, token: str | None = None, kind: str = "User") -> Account:
        account = Account(new_id(), login, kind)
        self.accounts[login] = account
        if token:
            self.tokens[token] = login
        return account

    def add_repo(self, owner_login: str, name: str, *, default_branch: str = "main") -> Repo:
        owner = self.accounts.get(owner_login) or self.add_account(owner_login, kind="Organization")
        repo = Repo(new_id(), owner, name, default_branch)
        repo.branches[default_branch] = fake_sha(owner_login, name, "initial commit")
        self.repos[repo.full_name.lower()] = repo
        return repo

    def grant(self, repo: Repo, login: str, permission: str) -> None:
        repo.permissions[login] = permission

    def permission(self, repo: Repo, login: str) -> str | None:
        return repo.permissions.get(login)


# -- JSON representations ----------------------------------------------------------------------


def account_json(account: Account, base: str) -> dict[str, Any]:
    return {
        "login": account.login,
        "id": account.id,
        "type": account.type,
        "url": f"{base}/users/{account.login}",
        "html_url": f"https://github.com/{account.login}",
    }


def repo_json(repo: Repo, base: str) -> dict[str, Any]:
    return {
        "id": repo.id,
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": account_json(repo.owner, base),
        "private": repo.private,
        "default_branch": repo.default_branch,
        "html_url": f"https://github.com/{repo.full_name}",
        "url": f"{base}/repos/{repo.full_name}",
        "has_issues": True,
    }


def label_json(label: LabelRecord, repo: Repo, base: str) -> dict[str, Any]:
    return {
        "id": label.id,
        "name": label.name,
        "color": label.color,
        "description": label.description,
        "default": False,
        "url": f"{base}/repos/{repo.full_name}/labels/{label.name}",
    }


def issue_json(issue: IssueRecord, repo: Repo, base: str) -> dict[str, Any]:
    return {
        "id": issue.id,
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "locked": False,
        "user": account_json(issue.author, base),
        "labels": [label_json(label, repo, base) for label in issue.labels],
        "comments": len(issue.comments),
        "created_at": github_time(issue.created_at),
        "updated_at": github_time(issue.updated_at),
        "closed_at": github_time(issue.closed_at),
        "html_url": f"https://github.com/{repo.full_name}/issues/{issue.number}",
        "url": f"{base}/repos/{repo.full_name}/issues/{issue.number}",
        "repository_url": f"{base}/repos/{repo.full_name}",
        "author_association": "OWNER" if issue.author is repo.owner else "COLLABORATOR",
    }


def pull_as_issue_json(pull: PullRecord, repo: Repo, base: str) -> dict[str, Any]:
    """A pull request as the issues API shows it (with a `pull_request` key)."""
    return {
        "id": pull.id,
        "number": pull.number,
        "title": pull.title,
        "body": pull.body,
        "state": pull.state,
        "state_reason": None,
        "user": account_json(pull.author, base),
        "labels": [],
        "comments": len(pull.comments),
        "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}",
        "url": f"{base}/repos/{repo.full_name}/issues/{pull.number}",
        "pull_request": {
            "url": f"{base}/repos/{repo.full_name}/pulls/{pull.number}",
            "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}",
            "merged_at": github_time(pull.merged_at),
        },
    }


def comment_json(comment: CommentRecord, repo: Repo, number: int, base: str) -> dict[str, Any]:
    return {
        "id": comment.id,
        "body": comment.body,
        "user": account_json(comment.author, base),
        "created_at": github_time(comment.created_at),
        "updated_at": github_time(comment.created_at),
        "html_url": f"https://github.com/{repo.full_name}/issues/{number}#issuecomment-{comment.id}",
        "issue_url": f"{base}/repos/{repo.full_name}/issues/{number}",
        "author_association": "NONE" if comment.author.type == "Bot" else "COLLABORATOR",
    }


def pull_json(pull: PullRecord, repo: Repo, base: str) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    # Before a merge, merge_commit_sha holds a *test* merge commit, not anything on the base
    # branch: only trust it once `merged` is true.
    merge_commit_sha = pull.merge_commit_sha
    if not pull.merged and pull.state == "open":
        merge_commit_sha = fake_sha(repo.full_name, pull.number, pull.head_sha, "test merge")
    return {
        "id": pull.id,
        "number": pull.number,
        "state": pull.state,
        "title": pull.title,
        "body": pull.body,
        "user": account_json(pull.author, base),
        "draft": False,
        "merged": pull.merged,
        "merged_at": github_time(pull.merged_at),
        "closed_at": github_time(pull.closed_at),
        "merge_commit_sha": merge_commit_sha,
        "head": {
            "ref": pull.head_ref,
            "sha": pull.head_sha,
            "label": f"{repo.owner.login}:{pull.head_ref}",
            "repo": repo_json(repo, base),
        },
        "base": {
            "ref": pull.base_ref,
            "sha": pull.base_sha,
            "label": f"{repo.owner.login}:{pull.base_ref}",
            "repo": repo_json(repo, base),
        },
        "created_at": github_time(pull.created_at),
        "updated_at": github_time(pull.updated_at),
        "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}",
        "url": f"{base}/repos/{repo.full_name}/pulls/{pull.number}",
    }


def run_json(run: RunRecord, repo: Repo, base: str) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
    # pull_requests stays empty: runs on the default branch (pushes) and from forks carry none,
    # so a receiver must match runs by head_sha.
    return {
        "id": run.id,
        "name": run.name,
        "display_title": run.name,
        "workflow_id": run.workflow_id,
        "run_number": run.run_number,
        "run_attempt": run.run_attempt,
        "head_sha": run.head_sha,
        "head_branch": run.head_branch,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "path": f".github/workflows/{run.name.lower()}.yml",
        "pull_requests": [],
        "created_at": github_time(run.created_at),
        "updated_at": github_time(run.updated_at),
        "html_url": f"https://github.com/{repo.full_name}/actions/runs/{run.id}",
        "url": f"{base}/repos/{repo.full_name}/actions/runs/{run.id}",
        "repository": repo_json(repo, base),
    }


def hook_json(hook: HookRecord, repo: Repo, base: str) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/repos/webhooks#get-a-repository-webhook
    config: dict[str, Any] = {
        "url": hook.url,
        "content_type": hook.content_type,
        "insecure_ssl": "0",
    }
    if hook.secret:
        config["secret"] = "********"  # noqa: S105 -- GitHub masks it
    url = f"{base}/repos/{repo.full_name}/hooks/{hook.id}"
    return {
        "type": "Repository",
        "id": hook.id,
        "name": "web",
        "active": hook.active,
        "events": hook.events,
        "config": config,
        "created_at": github_time(hook.created_at),
        "updated_at": github_time(hook.created_at),
        "url": url,
        "ping_url": f"{url}/pings",
        "deliveries_url": f"{url}/deliveries",
        "last_response": hook.last_response,
    }
