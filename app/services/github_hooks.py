"""Checking that each repo of a project has a webhook to us, as we need it, and fixing it.

Reference: https://docs.github.com/en/rest/repos/webhooks
A hook created through the API defaults to content_type=form and events=["push"]; ours must send
JSON for issues, issue_comment, pull_request and workflow_run. GitHub refuses a second hook with
the same URL and overlapping events, so fixing a hook means deleting it and creating it anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.integrations.errors import IntegrationError, NotFound, PermissionDenied
from app.integrations.github.client import GitHubClient
from app.integrations.github.models import Hook

REQUIRED_EVENTS = ("issues", "issue_comment", "pull_request", "workflow_run")


def hook_url(public_url: str, project_id: int) -> str:
    return f"{public_url}/webhooks/github/{project_id}"


@dataclass(frozen=True)
class RepoHookCheck:
    repo: str
    state: str  # ok | missing | misconfigured | error
    problems: tuple[str, ...] = field(default=())
    hook_id: int | None = None

    @property
    def fixable(self) -> bool:
        return self.state in {"missing", "misconfigured"}


def problems_with(hook: Hook) -> list[str]:
    found = []
    if not hook.active:
        found.append("the hook is disabled")
    if hook.content_type != "json":
        found.append(f"content type is {hook.content_type}, not json")
    missing = [e for e in REQUIRED_EVENTS if e not in hook.events and "*" not in hook.events]
    if missing:
        found.append("does not send " + ", ".join(missing))
    return found


async def check(client: GitHubClient, repo: str, url: str) -> RepoHookCheck:
    try:
        hooks = [hook for hook in await client.list_hooks(repo) if hook.url == url]
    except (NotFound, PermissionDenied):
        # GitHub hides hooks from tokens without admin rights on the repo (404 or 403).
        return RepoHookCheck(repo, "error", ("the token cannot read this repo's webhooks",))
    except IntegrationError as error:
        return RepoHookCheck(repo, "error", (str(error),))
    if not hooks:
        return RepoHookCheck(repo, "missing", ("no webhook points at this project",))
    problems = problems_with(hooks[0])
    if problems:
        return RepoHookCheck(repo, "misconfigured", tuple(problems), hooks[0].id)
    return RepoHookCheck(repo, "ok", (), hooks[0].id)


async def check_all(client: GitHubClient, repos: list[str], url: str) -> list[RepoHookCheck]:
    return [await check(client, repo, url) for repo in repos]


async def fix(client: GitHubClient, repo: str, url: str, secret: str) -> RepoHookCheck:
    """Create the hook, replacing any hook of ours that is set up wrongly."""
    try:
        for hook in await client.list_hooks(repo):
            if hook.url == url:
                await client.delete_hook(repo, hook.id)
        created = await client.create_hook(repo, url, secret, REQUIRED_EVENTS)
    except (NotFound, PermissionDenied):
        return RepoHookCheck(
            repo, "error", ("the token may not manage webhooks here: it needs admin rights",)
        )
    except IntegrationError as error:
        return RepoHookCheck(repo, "error", (str(error),))
    return RepoHookCheck(repo, "ok", (), created.id)
