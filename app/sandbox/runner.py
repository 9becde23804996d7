"""Both sandboxes together, seeded with a small world that the demo and the tests share."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import aiohttp

from app.integrations.asana.client import AsanaClient
from app.integrations.github.client import GitHubClient
from app.integrations.http import RetryPolicy
from app.sandbox.asana_server import AsanaSandbox
from app.sandbox.github_server import GitHubSandbox

# Tokens the sandbox accepts. They are sandbox-only strings, printed by the CLI on purpose.
ASANA_TOKEN = "asana-sandbox-token"  # noqa: S105
GITHUB_TOKEN = "github-sandbox-token"  # noqa: S105  admin of the demo repository
GITHUB_READER_TOKEN = "github-reader-token"  # noqa: S105  read access only
GITHUB_APP_TOKEN = "github-app-token"  # noqa: S105  a GitHub App (Bot) with write access
DEMO_REPO = "sandbox-org/demo"


@dataclass(frozen=True)
class Seed:
    """The gids and names of the seeded world, so tests never hard-code magic ids."""

    workspace_gid: str
    project_gid: str
    asana_user_gid: str
    asana_person_gid: str  # a colleague who edits tasks in Asana's UI
    autotask_field_gid: str
    autotask_yes_gid: str
    autotask_no_gid: str
    repo_field_gid: str
    repo_option_gid: str
    status_field_gid: str
    repo: str
    github_admin: str
    github_reader: str
    github_app: str


class Sandbox:
    """The Asana and GitHub sandboxes, started together on loopback ports."""

    def __init__(self) -> None:
        self.asana = AsanaSandbox()
        self.github = GitHubSandbox()
        self.seed = self._seed()
        # Either server's POST /_sandbox/settle waits for both; Asana's control endpoints act
        # as the seeded colleague unless told otherwise.
        self.asana.settle_all = self.github.settle_all = self.settle
        self.asana.control_actor_gid = self.seed.asana_person_gid

    def _seed(self) -> Seed:
        asana = self.asana.world
        user = asana.add_user("Sandbox Admin", ASANA_TOKEN)
        person = asana.add_user("Sandbox Person")
        workspace = asana.add_workspace("Sandbox Workspace")
        project = asana.add_project(workspace.gid, "Auto-Flow Demo")
        # Asana has no checkbox field: AutoTask is an enum with a "Yes" option.
        autotask = asana.add_custom_field(workspace.gid, "AutoTask", "enum", ("Yes", "No"))
        repo_field = asana.add_custom_field(workspace.gid, "Repo", "enum", (DEMO_REPO,))
        status = asana.add_custom_field(
            workspace.gid, "Status", "enum", ("Queued", "In progress", "Deployed", "Failed")
        )
        for custom_field in (autotask, repo_field, status):
            asana.attach_field(project.gid, custom_field.gid)

        github = self.github.world
        admin = github.add_account("sandbox-admin", token=GITHUB_TOKEN)
        reader = github.add_account("sandbox-reader", token=GITHUB_READER_TOKEN)
        app = github.add_account("autoflow-app[bot]", token=GITHUB_APP_TOKEN, kind="Bot")
        owner, name = DEMO_REPO.split("/")
        repo = github.add_repo(owner, name)
        github.grant(repo, admin.login, "admin")
        github.grant(repo, reader.login, "read")
        github.grant(repo, app.login, "write")
        return Seed(
            workspace_gid=workspace.gid,
            project_gid=project.gid,
            asana_user_gid=user.gid,
            asana_person_gid=person.gid,
            autotask_field_gid=autotask.gid,
            autotask_yes_gid=autotask.enum_options[0].gid,
            autotask_no_gid=autotask.enum_options[1].gid,
            repo_field_gid=repo_field.gid,
            repo_option_gid=repo_field.enum_options[0].gid,
            status_field_gid=status.gid,
            repo=repo.full_name,
            github_admin=admin.login,
            github_reader=reader.login,
            github_app=app.login,
        )

    async def start(
        self, host: str = "127.0.0.1", *, asana_port: int = 0, github_port: int = 0
    ) -> None:
        await self.asana.start(host, asana_port)
        await self.github.start(host, github_port)
        self.asana.info = self.github.info = self.describe()

    def describe(self) -> dict[str, Any]:
        """URLs, tokens and seeded ids, as `GET /_sandbox` on either server answers them."""
        return {
            "asana_api": self.asana.base_url,
            "github_api": self.github.base_url,
            "asana_control": self.asana.control_url,
            "github_control": self.github.control_url,
            "tokens": {
                "asana": ASANA_TOKEN,
                "github_admin": GITHUB_TOKEN,
                "github_reader": GITHUB_READER_TOKEN,
                "github_app": GITHUB_APP_TOKEN,
            },
            "seed": asdict(self.seed),
            "autopilot": self.github.autopilot.settings.to_json(),
        }

    async def close(self) -> None:
        await self.github.close()
        await self.asana.close()

    async def settle(self) -> None:
        """Wait until every delivery and agent run the sandboxes started has finished."""
        while self.asana.sender.busy or self.github.sender.busy:
            await self.asana.settle()
            await self.github.settle()

    def asana_client(
        self, session: aiohttp.ClientSession, *, policy: RetryPolicy | None = None
    ) -> AsanaClient:
        return AsanaClient(session, ASANA_TOKEN, base_url=self.asana.base_url, policy=policy)

    def github_client(
        self,
        session: aiohttp.ClientSession,
        *,
        token: str = GITHUB_TOKEN,
        policy: RetryPolicy | None = None,
    ) -> GitHubClient:
        return GitHubClient(session, token, base_url=self.github.base_url, policy=policy)
