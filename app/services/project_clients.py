"""The Asana and GitHub clients a job uses for one project: its tokens, the configured base
URLs, and the worker's shared HTTP session. Jobs never build clients any other way."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from app.integrations import clients
from app.integrations.asana.client import AsanaClient
from app.integrations.errors import AuthenticationFailed
from app.integrations.github.client import GitHubClient
from app.services import project_config as config
from app.services.project_config import Service
from app.settings import Settings


@dataclass(frozen=True)
class ProjectClients:
    project_id: int
    session: aiohttp.ClientSession
    settings: Settings

    async def asana(self) -> AsanaClient:
        token = await config.token(self.project_id, Service.ASANA)
        if not token:
            raise AuthenticationFailed("no Asana token is configured", service="asana")
        return clients.asana_client(self.session, self.settings, token)

    async def github(self) -> GitHubClient:
        token = await config.token(self.project_id, Service.GITHUB)
        if not token:
            raise AuthenticationFailed("no GitHub token is configured", service="github")
        return clients.github_client(self.session, self.settings, token)
