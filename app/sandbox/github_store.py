"""The GitHub sandbox's in-memory world: accounts, repositories and what they hold.

How these records are written out as GitHub's JSON is in `github_shapes.py` (one builder per
resource, shared by REST answers and webhook payloads).
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
    type: str = "User"  # "Bot" for GitHub Apps such as the agent, "Organization" for owners

    @property
    def email(self) -> str:
        return f"{self.id}+{self.login}@users.noreply.github.com"


@dataclass
class FileChange:
    filename: str
    status: str = "modified"  # added, removed, modified, renamed
    additions: int = 1
    deletions: int = 0


@dataclass
class CommitRecord:
    sha: str
    message: str
    author: Account
    parents: list[str]
    created_at: datetime
    files: list[FileChange] = field(default_factory=list)

    @property
    def tree_sha(self) -> str:
        return fake_sha(self.sha, "tree")


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
    merged_by: Account | None = None
    commits: list[str] = field(default_factory=list)  # shas on the head branch, oldest first
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
    actor: Account | None = None
    status: str = "queued"
    conclusion: str | None = None
    run_attempt: int = 1
    run_started_at: datetime | None = None

    @property
    def path(self) -> str:
        return workflow_path(self.name)


def workflow_path(name: str) -> str:
    return f".github/workflows/{name.lower().replace(' ', '-')}.yml"


@dataclass
class HookDeliveryRecord:
    """One delivery to a hook as GitHub lists it (`GET .../hooks/{id}/deliveries`)."""

    id: int
    guid: str
    hook_id: int
    event: str
    action: str | None
    request_headers: dict[str, str]
    payload: dict[str, Any]
    body: bytes
    delivered_at: datetime
    redelivery: bool = False
    status_code: int = 0
    status: str = "pending"
    duration: float = 0.0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""


@dataclass
class HookRecord:
    id: int
    events: list[str]
    url: str
    content_type: str
    secret: str | None
    active: bool
    created_at: datetime
    updated_at: datetime | None = None
    last_response: dict[str, Any] = field(
        default_factory=lambda: {"code": None, "status": "unused", "message": None}
    )
    deliveries: list[HookDeliveryRecord] = field(default_factory=list)


@dataclass
class Repo:
    id: int
    owner: Account
    name: str
    default_branch: str = "main"
    private: bool = True
    created_at: datetime = field(default_factory=lambda: now())
    pushed_at: datetime = field(default_factory=lambda: now())
    permissions: dict[str, str] = field(default_factory=dict)  # login -> admin/write/read
    issues: dict[int, IssueRecord] = field(default_factory=dict)
    pulls: dict[int, PullRecord] = field(default_factory=dict)
    labels: dict[str, LabelRecord] = field(default_factory=dict)  # lower-cased name -> label
    hooks: dict[int, HookRecord] = field(default_factory=dict)
    runs: dict[int, RunRecord] = field(default_factory=dict)
    workflows: dict[str, int] = field(default_factory=dict)  # workflow name -> id
    branches: dict[str, str] = field(default_factory=dict)  # branch -> head sha
    commits: dict[str, CommitRecord] = field(default_factory=dict)  # sha -> commit
    next_number: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def open_issue_count(self) -> int:
        return sum(i.state == "open" for i in self.issues.values()) + sum(
            p.state == "open" for p in self.pulls.values()
        )

    def add_commit(
        self,
        branch: str,
        message: str,
        author: Account,
        files: list[FileChange] | None = None,
        *,
        parents: list[str] | None = None,
    ) -> CommitRecord:
        """Record a commit on top of `branch` (or on `parents`) and move the branch to it."""
        parents = parents if parents is not None else [self.branches[branch]]
        sha = fake_sha(self.full_name, branch, *parents, message, len(self.commits))
        commit = CommitRecord(sha, message, author, parents, now(), list(files or []))
        self.commits[sha] = commit
        self.branches[branch] = sha
        self.pushed_at = commit.created_at
        return commit

    def workflow_id(self, name: str) -> int:
        return self.workflows.setdefault(name, new_id())

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
    rate_used: dict[str, int] = field(default_factory=dict)  # login -> requests counted

    def add_account(self, login: str, *, token: str | None = None, kind: str = "User") -> Account:
        account = Account(new_id(), login, kind)
        self.accounts[login] = account
        if token:
            self.tokens[token] = login
        return account

    def add_repo(self, owner_login: str, name: str, *, default_branch: str = "main") -> Repo:
        owner = self.accounts.get(owner_login) or self.add_account(owner_login, kind="Organization")
        repo = Repo(new_id(), owner, name, default_branch)
        repo.add_commit(
            default_branch, "Initial commit", owner, [FileChange("README.md", "added")], parents=[]
        )
        repo.workflow_id("CI")  # every repository has a CI workflow (.github/workflows/ci.yml)
        self.repos[repo.full_name.lower()] = repo
        return repo

    def grant(self, repo: Repo, login: str, permission: str) -> None:
        repo.permissions[login] = permission

    def permission(self, repo: Repo, login: str) -> str | None:
        return repo.permissions.get(login)
