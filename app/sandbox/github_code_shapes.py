"""GitHub's JSON for code: pull requests, commits, file changes, workflows and workflow runs.

The companion of `github_shapes.py` (users, repositories, issues, comments, hooks), whose
builders these reuse so the same objects look the same everywhere.
"""

from __future__ import annotations

from typing import Any

from app.sandbox import github_store as store
from app.sandbox.github_issue_shapes import author_association
from app.sandbox.github_shapes import (
    WEB,
    api_repo,
    minimal_repo,
    node_id,
    user,
)
from app.sandbox.github_shapes import repo as repo_shape
from app.sandbox.github_store import fake_sha, github_time


def _side(repository: store.Repo, ref: str, sha: str, base: str) -> dict[str, Any]:
    return {
        "label": f"{repository.owner.login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(repository.owner, base),
        "repo": repo_shape(repository, base),
    }


def pull_simple(record: store.PullRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    """A pull request as lists show it (`pull-request-simple`)."""
    # Reference: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
    url = f"{api_repo(base, repository)}/pulls/{record.number}"
    issue_url = f"{api_repo(base, repository)}/issues/{record.number}"
    html = f"{WEB}/{repository.full_name}/pull/{record.number}"
    statuses = f"{api_repo(base, repository)}/statuses/{record.head_sha}"
    # Before a merge, merge_commit_sha holds a *test* merge commit, not anything on the base
    # branch: only trust it once `merged` is true.
    merge_commit_sha = record.merge_commit_sha
    if not record.merged and record.state == "open":
        merge_commit_sha = fake_sha(repository.full_name, record.number, record.head_sha, "test")
    return {
        "url": url,
        "id": record.id,
        "node_id": node_id("PullRequest", record.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_url,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api_repo(base, repository)}/pulls/comments{{/number}}",
        "comments_url": f"{issue_url}/comments",
        "statuses_url": statuses,
        "number": record.number,
        "state": record.state,
        "locked": False,
        "title": record.title,
        "user": user(record.author, base),
        "body": record.body,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": github_time(record.created_at),
        "updated_at": github_time(record.updated_at),
        "closed_at": github_time(record.closed_at),
        "merged_at": github_time(record.merged_at),
        "merge_commit_sha": merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _side(repository, record.head_ref, record.head_sha, base),
        "base": _side(repository, record.base_ref, record.base_sha, base),
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "issue": {"href": issue_url},
            "comments": {"href": f"{issue_url}/comments"},
            "review_comments": {"href": f"{url}/comments"},
            "review_comment": {"href": f"{api_repo(base, repository)}/pulls/comments{{/number}}"},
            "commits": {"href": f"{url}/commits"},
            "statuses": {"href": statuses},
        },
        "author_association": author_association(record.author, repository),
        "auto_merge": None,
        "draft": False,
    }


def pull(record: store.PullRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    """A pull request in full (`pull-request`), as `GET .../pulls/{n}` and webhooks carry it."""
    # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    files = [f for sha in record.commits for f in repository.commits[sha].files]
    return {
        **pull_simple(record, repository, base),
        "merged": record.merged,
        "mergeable": None if record.merged else True,
        "rebaseable": None if record.merged else True,
        "mergeable_state": "unknown" if record.merged else "clean",
        "merged_by": user(record.merged_by, base) if record.merged_by else None,
        "comments": len(record.comments),
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": len(record.commits),
        "additions": sum(f.additions for f in files),
        "deletions": sum(f.deletions for f in files),
        "changed_files": len({f.filename for f in files}),
    }


def _person(record: store.CommitRecord) -> dict[str, Any]:
    return {
        "name": record.author.login,
        "email": record.author.email,
        "date": github_time(record.created_at),
    }


def diff_entry(
    change: store.FileChange, record: store.CommitRecord, repository: store.Repo, base: str
) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
    return {
        "sha": fake_sha(record.sha, change.filename),
        "filename": change.filename,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": f"{WEB}/{repository.full_name}/blob/{record.sha}/{change.filename}",
        "raw_url": f"{WEB}/{repository.full_name}/raw/{record.sha}/{change.filename}",
        "contents_url": f"{api_repo(base, repository)}/contents/{change.filename}?ref={record.sha}",
        "patch": f"@@ -0,0 +1,{change.additions} @@\n+change",
    }


def commit(
    record: store.CommitRecord, repository: store.Repo, base: str, *, with_files: bool = True
) -> dict[str, Any]:
    """A commit (`commit`), as `GET .../commits/{ref}` and a pull's commit list answer."""
    # Reference: https://docs.github.com/en/rest/commits/commits#get-a-commit
    url = f"{api_repo(base, repository)}/commits/{record.sha}"
    record_json: dict[str, Any] = {
        "url": url,
        "sha": record.sha,
        "node_id": node_id("Commit", record.sha),
        "html_url": f"{WEB}/{repository.full_name}/commit/{record.sha}",
        "comments_url": f"{url}/comments",
        "commit": {
            "url": f"{api_repo(base, repository)}/git/commits/{record.sha}",
            "author": _person(record),
            "committer": _person(record),
            "message": record.message,
            "comment_count": 0,
            "tree": {
                "sha": record.tree_sha,
                "url": f"{api_repo(base, repository)}/git/trees/{record.tree_sha}",
            },
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        "author": user(record.author, base),
        "committer": user(record.author, base),
        "parents": [
            {
                "sha": parent,
                "url": f"{api_repo(base, repository)}/commits/{parent}",
                "html_url": f"{WEB}/{repository.full_name}/commit/{parent}",
            }
            for parent in record.parents
        ],
    }
    if with_files:
        additions = sum(f.additions for f in record.files)
        deletions = sum(f.deletions for f in record.files)
        record_json["stats"] = {
            "additions": additions,
            "deletions": deletions,
            "total": additions + deletions,
        }
        record_json["files"] = [diff_entry(f, record, repository, base) for f in record.files]
    return record_json


def head_commit(record: store.CommitRecord) -> dict[str, Any]:
    """A commit as a workflow run carries it (`simple-commit`)."""
    person = {"name": record.author.login, "email": record.author.email}
    return {
        "id": record.sha,
        "tree_id": record.tree_sha,
        "message": record.message,
        "timestamp": github_time(record.created_at),
        "author": person,
        "committer": person,
    }


def push_commit(record: store.CommitRecord, repository: store.Repo) -> dict[str, Any]:
    """A commit as a `push` payload lists it."""
    # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
    person = {
        "name": record.author.login,
        "email": record.author.email,
        "username": record.author.login,
    }
    return {
        "id": record.sha,
        "tree_id": record.tree_sha,
        "distinct": True,
        "message": record.message,
        "timestamp": github_time(record.created_at),
        "url": f"{WEB}/{repository.full_name}/commit/{record.sha}",
        "author": person,
        "committer": person,
        "added": [f.filename for f in record.files if f.status == "added"],
        "removed": [f.filename for f in record.files if f.status == "removed"],
        "modified": [f.filename for f in record.files if f.status == "modified"],
    }


def workflow(name: str, workflow_id: int, repository: store.Repo, base: str) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/actions/workflows#get-a-workflow
    path = store.workflow_path(name)
    moment = github_time(repository.created_at)
    return {
        "id": workflow_id,
        "node_id": node_id("Workflow", workflow_id),
        "name": name,
        "path": path,
        "state": "active",
        "created_at": moment,
        "updated_at": moment,
        "url": f"{api_repo(base, repository)}/actions/workflows/{workflow_id}",
        "html_url": f"{WEB}/{repository.full_name}/blob/{repository.default_branch}/{path}",
        "badge_url": f"{WEB}/{repository.full_name}/workflows/{name}/badge.svg",
    }


def run(record: store.RunRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    """A workflow run (`workflow-run`), as the REST API answers and `workflow_run` carries it."""
    # Reference: https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
    # pull_requests stays empty: runs on the default branch (pushes) and from forks carry none,
    # so a receiver must match runs by head_sha.
    url = f"{api_repo(base, repository)}/actions/runs/{record.id}"
    suite_id = record.id * 10 + 7  # the run's check suite, an id derived from the run's
    actor = record.actor or repository.owner
    head = repository.commits.get(record.head_sha)
    return {
        "id": record.id,
        "name": record.name,
        "node_id": node_id("WorkflowRun", record.id),
        "check_suite_id": suite_id,
        "check_suite_node_id": node_id("CheckSuite", suite_id),
        "head_branch": record.head_branch,
        "head_sha": record.head_sha,
        "path": record.path,
        "display_title": head.message.splitlines()[0] if head else record.name,
        "run_number": record.run_number,
        "run_attempt": record.run_attempt,
        "referenced_workflows": [],
        "event": record.event,
        "status": record.status,
        "conclusion": record.conclusion,
        "workflow_id": record.workflow_id,
        "url": url,
        "html_url": f"{WEB}/{repository.full_name}/actions/runs/{record.id}",
        "pull_requests": [],
        "created_at": github_time(record.created_at),
        "updated_at": github_time(record.updated_at),
        "actor": user(actor, base),
        "triggering_actor": user(actor, base),
        "run_started_at": github_time(record.run_started_at or record.created_at),
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"{api_repo(base, repository)}/check-suites/{suite_id}",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "previous_attempt_url": (
            f"{url}/attempts/{record.run_attempt - 1}" if record.run_attempt > 1 else None
        ),
        "workflow_url": f"{api_repo(base, repository)}/actions/workflows/{record.workflow_id}",
        "head_commit": head_commit(head) if head else None,
        "repository": minimal_repo(repository, base),
        "head_repository": minimal_repo(repository, base),
    }
