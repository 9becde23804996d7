"""Setting up every webhook a project needs at once: one Asana webhook per Asana project and one
GitHub hook per repository, both pointing at this instance's public URL. The demo does this at
start; an admin does the same from the webhooks page one service at a time."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.services import asana_hooks, github_hooks
from app.services import project_config as config
from app.services.project_clients import ProjectClients
from app.services.secrets import read_secret

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HooksOutcome:
    asana: list[asana_hooks.SetupResult]
    github: list[github_hooks.RepoHookCheck]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.asana) and all(c.state == "ok" for c in self.github)


async def set_up_all(clients: ProjectClients) -> HooksOutcome:
    project_id, public_url = clients.project_id, clients.settings.public_url
    asana = await clients.asana()
    asana_results = await asana_hooks.set_up(
        asana, project_id, await config.asana_project_gids(project_id), public_url
    )
    github = await clients.github()
    secret = await read_secret(project_id, "github_webhook_secret")
    url = github_hooks.hook_url(public_url, project_id)
    github_results = []
    for repo in await config.github_repos(project_id):
        check = await github_hooks.check(github, repo, url)
        if check.fixable and secret:
            check = await github_hooks.fix(github, repo, url, secret)
        github_results.append(check)
    outcome = HooksOutcome(asana_results, github_results)
    logger.info(
        "webhooks set up",
        extra={
            "project_id": project_id,
            "asana_ok": sum(r.ok for r in asana_results),
            "github_ok": sum(c.state == "ok" for c in github_results),
        },
    )
    return outcome
