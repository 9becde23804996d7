"""GitHub's JSON for issues: labels, issues (and pull requests seen as issues), comments.

The companion of `github_shapes.py` (accounts, repositories, hooks), whose builders these
reuse so the same objects look the same in REST answers and webhook payloads.
"""

from __future__ import annotations

from typing import Any

from app.sandbox import github_store as store
from app.sandbox.github_shapes import WEB, api_repo, node_id, reactions, user
from app.sandbox.github_store import github_time


def label(record: store.LabelRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/issues/labels#get-a-label
    return {
        "id": record.id,
        "node_id": node_id("Label", record.id),
        "url": f"{api_repo(base, repository)}/labels/{record.name}",
        "name": record.name,
        "color": record.color,
        "default": False,
        "description": record.description,
        "archived_at": None,
        "archived_by": None,
    }


def author_association(account: store.Account, repository: store.Repo) -> str:
    # Reference: https://docs.github.com/en/graphql/reference/enums#commentauthorassociation
    if account is repository.owner:
        return "OWNER"
    if repository.permissions.get(account.login) in ("write", "admin"):
        return "COLLABORATOR"
    return "NONE"


def _issue_fields(number: int, repository: store.Repo, base: str, kind: str) -> dict[str, Any]:
    url = f"{api_repo(base, repository)}/issues/{number}"
    return {
        "url": url,
        "repository_url": api_repo(base, repository),
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "timeline_url": f"{url}/timeline",
        "html_url": f"{WEB}/{repository.full_name}/{kind}/{number}",
        "reactions": reactions(f"{url}/reactions"),
    }


def issue(record: store.IssueRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    """An issue (`issue`), as the REST API answers and as `issues` webhooks carry it."""
    # Reference: https://docs.github.com/en/rest/issues/issues#get-an-issue
    return {
        "id": record.id,
        "node_id": node_id("Issue", record.id),
        **_issue_fields(record.number, repository, base, "issues"),
        "number": record.number,
        "state": record.state,
        "state_reason": record.state_reason,
        "title": record.title,
        "body": record.body,
        "user": user(record.author, base),
        "labels": [label(lb, repository, base) for lb in record.labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": len(record.comments),
        "closed_at": github_time(record.closed_at),
        "created_at": github_time(record.created_at),
        "updated_at": github_time(record.updated_at),
        "author_association": author_association(record.author, repository),
        "performed_via_github_app": None,
    }


def pull_as_issue(record: store.PullRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    """A pull request as the issues API and `issue_comment` payloads show it."""
    # Reference: https://docs.github.com/en/rest/issues/issues#list-repository-issues
    # ("GitHub's REST API considers every pull request an issue")
    pulls_url = f"{api_repo(base, repository)}/pulls/{record.number}"
    html = f"{WEB}/{repository.full_name}/pull/{record.number}"
    return {
        "id": record.id,
        "node_id": node_id("PullRequest", record.id),
        **_issue_fields(record.number, repository, base, "pull"),
        "number": record.number,
        "state": record.state,
        "state_reason": None,
        "title": record.title,
        "body": record.body,
        "user": user(record.author, base),
        "labels": [],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": len(record.comments),
        "closed_at": github_time(record.closed_at),
        "created_at": github_time(record.created_at),
        "updated_at": github_time(record.updated_at),
        "author_association": author_association(record.author, repository),
        "performed_via_github_app": None,
        "draft": False,
        "pull_request": {
            "url": pulls_url,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": github_time(record.merged_at),
        },
    }


def comment(
    record: store.CommentRecord, repository: store.Repo, number: int, base: str
) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/issues/comments#get-an-issue-comment
    url = f"{api_repo(base, repository)}/issues/comments/{record.id}"
    kind = "pull" if number in repository.pulls else "issues"
    return {
        "id": record.id,
        "node_id": node_id("IssueComment", record.id),
        "url": url,
        "html_url": f"{WEB}/{repository.full_name}/{kind}/{number}#issuecomment-{record.id}",
        "issue_url": f"{api_repo(base, repository)}/issues/{number}",
        "body": record.body,
        "user": user(record.author, base),
        "created_at": github_time(record.created_at),
        "updated_at": github_time(record.created_at),
        "author_association": author_association(record.author, repository),
        "reactions": reactions(f"{url}/reactions"),
        "performed_via_github_app": None,
    }
