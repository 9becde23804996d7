"""How the GitHub sandbox writes its world out as GitHub's JSON: one builder per resource.

REST answers and webhook payloads are built by the same functions, so an issue, a user or a
repository looks the same wherever it appears (node_id, the `*_url` fields, full user objects).
Shapes follow GitHub's OpenAPI description (REST API version 2022-11-28) and are checked against
it by `tests/integrations/test_github_contract.py`. This module holds accounts, repositories
and hooks; labels, issues and comments are in `github_issue_shapes.py`, pull requests,
commits and workflow runs in `github_code_shapes.py`.

Reference: https://github.com/github/rest-api-description
"""

from __future__ import annotations

import base64
from typing import Any

from app.sandbox import github_store as store
from app.sandbox.github_store import github_time

WEB = "https://github.com"
ZERO_REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
NODE_PREFIX = {
    "User": "U_",
    "Bot": "BOT_",
    "Organization": "O_",
    "Repository": "R_",
    "Issue": "I_",
    "PullRequest": "PR_",
    "IssueComment": "IC_",
    "Label": "LA_",
    "WorkflowRun": "WFR_",
    "Workflow": "W_",
    "CheckSuite": "CS_",
    "Commit": "C_",
    "Hook": "WH_",
}


def node_id(kind: str, ident: int | str) -> str:
    """A GraphQL global id in GitHub's newer format: a type prefix and an opaque token."""
    token = base64.b64encode(f"{kind}:{ident}".encode()).decode().rstrip("=")
    return NODE_PREFIX.get(kind, "X_") + token


def api_repo(base: str, repo: store.Repo) -> str:
    return f"{base}/repos/{repo.full_name}"


def reactions(url: str) -> dict[str, Any]:
    return {"url": url, "total_count": 0, **dict.fromkeys(ZERO_REACTIONS, 0)}


def user(account: store.Account, base: str) -> dict[str, Any]:
    """A user, bot or organization as GitHub embeds it (`simple-user`)."""
    # Reference: https://docs.github.com/en/rest/users/users#get-a-user
    url = f"{base}/users/{account.login}"
    return {
        "login": account.login,
        "id": account.id,
        "node_id": node_id(account.type, account.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{account.id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{WEB}/{account.login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": account.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def private_user(account: store.Account, base: str) -> dict[str, Any]:
    """The authenticated user (`GET /user`): the public profile plus the account's own fields."""
    # Reference: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
    moment = github_time(store.now())
    return {
        **user(account, base),
        "name": account.login,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": moment,
        "updated_at": moment,
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
        "plan": {"name": "free", "space": 976562499, "private_repos": 10000, "collaborators": 0},
    }


def _repo_urls(base: str, repo: store.Repo) -> dict[str, str]:
    url = api_repo(base, repo)
    return {
        "url": url,
        "archive_url": f"{url}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{url}/assignees{{/user}}",
        "blobs_url": f"{url}/git/blobs{{/sha}}",
        "branches_url": f"{url}/branches{{/branch}}",
        "collaborators_url": f"{url}/collaborators{{/collaborator}}",
        "comments_url": f"{url}/comments{{/number}}",
        "commits_url": f"{url}/commits{{/sha}}",
        "compare_url": f"{url}/compare/{{base}}...{{head}}",
        "contents_url": f"{url}/contents/{{+path}}",
        "contributors_url": f"{url}/contributors",
        "deployments_url": f"{url}/deployments",
        "downloads_url": f"{url}/downloads",
        "events_url": f"{url}/events",
        "forks_url": f"{url}/forks",
        "git_commits_url": f"{url}/git/commits{{/sha}}",
        "git_refs_url": f"{url}/git/refs{{/sha}}",
        "git_tags_url": f"{url}/git/tags{{/sha}}",
        "hooks_url": f"{url}/hooks",
        "issue_comment_url": f"{url}/issues/comments{{/number}}",
        "issue_events_url": f"{url}/issues/events{{/number}}",
        "issues_url": f"{url}/issues{{/number}}",
        "keys_url": f"{url}/keys{{/key_id}}",
        "labels_url": f"{url}/labels{{/name}}",
        "languages_url": f"{url}/languages",
        "merges_url": f"{url}/merges",
        "milestones_url": f"{url}/milestones{{/number}}",
        "notifications_url": f"{url}/notifications{{?since,all,participating}}",
        "pulls_url": f"{url}/pulls{{/number}}",
        "releases_url": f"{url}/releases{{/id}}",
        "stargazers_url": f"{url}/stargazers",
        "statuses_url": f"{url}/statuses/{{sha}}",
        "subscribers_url": f"{url}/subscribers",
        "subscription_url": f"{url}/subscription",
        "tags_url": f"{url}/tags",
        "teams_url": f"{url}/teams",
        "trees_url": f"{url}/git/trees{{/sha}}",
    }


def minimal_repo(repo: store.Repo, base: str) -> dict[str, Any]:
    """A repository as a workflow run embeds it (`minimal-repository`, no counts or dates)."""
    return {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user(repo.owner, base),
        "html_url": f"{WEB}/{repo.full_name}",
        "description": None,
        "fork": False,
        **_repo_urls(base, repo),
    }


def repo(
    repo: store.Repo,
    base: str,
    *,
    permission: str | None = None,
    unix_times: bool = False,
    full: bool = False,
) -> dict[str, Any]:
    """A repository (`repository`, as pull requests and webhook payloads embed it).

    `full` gives `full-repository` (`GET /repos/{o}/{r}`: with the subscriber and network
    counts); `permission` adds the caller's `permissions`; `unix_times` writes created_at and
    pushed_at as integers, as GitHub does in `push` payloads only.
    """
    # Reference: https://docs.github.com/en/rest/repos/repos#get-a-repository
    created, pushed = github_time(repo.created_at), github_time(repo.pushed_at)
    if unix_times:
        created, pushed = int(repo.created_at.timestamp()), int(repo.pushed_at.timestamp())
    open_issues = repo.open_issue_count()
    record: dict[str, Any] = {
        **minimal_repo(repo, base),
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"{WEB}/{repo.full_name}.git",
        "svn_url": f"{WEB}/{repo.full_name}",
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 1,
        "default_branch": repo.default_branch,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if repo.private else "public",
        "pushed_at": pushed,
        "created_at": created,
        "updated_at": github_time(repo.pushed_at),
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "license": None,
    }
    if full:
        record.update(subscribers_count=1, network_count=0)
    if permission is not None:
        rank = {"read": 1, "write": 2, "admin": 3}[permission]
        record["permissions"] = {
            "admin": rank >= 3,
            "maintain": rank >= 3,
            "push": rank >= 2,
            "triage": rank >= 2,
            "pull": True,
        }
    return record


def hook(record: store.HookRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/repos/webhooks#get-a-repository-webhook
    config: dict[str, Any] = {
        "url": record.url,
        "content_type": record.content_type,
        "insecure_ssl": "0",
    }
    if record.secret:
        config["secret"] = "********"  # noqa: S105 -- GitHub masks it
    url = f"{api_repo(base, repository)}/hooks/{record.id}"
    return {
        "type": "Repository",
        "id": record.id,
        "name": "web",
        "active": record.active,
        "events": record.events,
        "config": config,
        "created_at": github_time(record.created_at),
        "updated_at": github_time(record.updated_at or record.created_at),
        "url": url,
        "test_url": f"{url}/test",
        "ping_url": f"{url}/pings",
        "deliveries_url": f"{url}/deliveries",
        "last_response": record.last_response,
    }


def delivery_item(record: store.HookDeliveryRecord, repository: store.Repo) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
    return {
        "id": record.id,
        "guid": record.guid,
        "delivered_at": github_time(record.delivered_at),
        "redelivery": record.redelivery,
        "duration": record.duration,
        "status": record.status,
        "status_code": record.status_code,
        "event": record.event,
        "action": record.action,
        "installation_id": None,
        "repository_id": repository.id,
        "throttled_at": None,
    }


def delivery(record: store.HookDeliveryRecord, repository: store.Repo, base: str) -> dict[str, Any]:
    # Reference: https://docs.github.com/en/rest/repos/webhooks#get-a-delivery-for-a-repository-webhook
    hooks_url = f"{api_repo(base, repository)}/hooks/{record.hook_id}"
    return {
        **delivery_item(record, repository),
        "url": f"{hooks_url}/deliveries/{record.id}",
        "request": {"headers": record.request_headers, "payload": record.payload},
        "response": {"headers": record.response_headers, "payload": record.response_body},
    }
