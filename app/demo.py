"""`autoflow demo`: the app, a worker and the Asana/GitHub sandbox together, with an admin and a
demo project already configured against the sandbox, for a newcomer to click through.

The sandbox runs in this process (a thread with its own event loop) on loopback ports (free ones
unless `--asana-port` / `--github-port` fix them); its state lives in memory and is seeded
afresh on every start, so the demo project's settings are rewritten each time to point at the
new world. The web and worker processes get AUTOFLOW_ASANA_API_URL and AUTOFLOW_GITHUB_API_URL
pointing at it. The agent's autopilot is on: the agent's pull requests merge and CI passes by
themselves, so a task with AutoTask on reaches DEPLOYED with no manual step.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from dataclasses import dataclass

import aiohttp

from app.auth.passwords import hash_password
from app.jobs import defer
from app.jobs.hooks import hooks_job
from app.pipeline.status import AsanaStatus
from app.sandbox.cli import describe_lines
from app.sandbox.runner import ASANA_TOKEN, GITHUB_TOKEN, Sandbox, Seed
from app.services import connections
from app.services import project_config_writes as config_writes
from app.services.project_config import StatusMapping
from app.services.project_config_input import AsanaInput
from app.services.projects import create_project, get_by_slug
from app.services.secrets import prepare_keyring, write_secret
from app.settings import Settings
from app.tables import ProjectMembership, User

DEMO_USER = "demo"
DEMO_SLUG = "demo"
DEMO_NAME = "Auto-Flow Demo"
# The sandbox seeds one repository; a project needs at least three.
EXTRA_REPOS = ("sandbox-org/api", "sandbox-org/web")
STATUS_MEANINGS = {"Failed": AsanaStatus.BLOCKED}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    slug: str


def seed_extra_repos(sandbox: Sandbox) -> None:
    for full_name in EXTRA_REPOS:
        owner, name = full_name.split("/")
        repo = sandbox.github.world.add_repo(owner, name)
        sandbox.github.world.grant(repo, sandbox.seed.github_admin, "admin")


async def setup_demo(settings: Settings, seed: Seed) -> DemoLogin:
    """Create (or reset) the demo admin and the demo project configured against the sandbox
    whose base URLs are in `settings`. Needs an open database pool."""
    await prepare_keyring(settings)
    password = secrets.token_urlsafe(12)
    user = await User.select(User.id).where(User.username == DEMO_USER).first()
    if user is None:
        rows = await User.insert(
            User(username=DEMO_USER, password_hash=hash_password(password), is_admin=True)
        ).returning(User.id)
        user_id = rows[0]["id"]
    else:
        user_id = user["id"]
        await User.update({User.password_hash: hash_password(password), User.is_admin: True}).where(
            User.id == user_id
        )

    project = await get_by_slug(DEMO_SLUG)
    if project is None:
        project_id = (await create_project(DEMO_SLUG, DEMO_NAME, user_id)).id
    else:
        project_id = project["id"]
        member = await ProjectMembership.exists().where(
            (ProjectMembership.project == project_id) & (ProjectMembership.user == user_id)
        )
        if not member:
            await ProjectMembership.insert(
                ProjectMembership(project=project_id, user=user_id, role="admin")
            )
        else:
            await ProjectMembership.update({ProjectMembership.role: "admin"}).where(
                (ProjectMembership.project == project_id) & (ProjectMembership.user == user_id)
            )

    await write_secret(project_id, "asana_pat", ASANA_TOKEN, user_id)
    await write_secret(project_id, "github_token", GITHUB_TOKEN, user_id)
    await write_secret(project_id, "github_webhook_secret", secrets.token_urlsafe(32), user_id)
    data = AsanaInput(
        workspace_gid=seed.workspace_gid,
        project_gids=[seed.project_gid],
        autotask_field_gid=seed.autotask_field_gid,
        autotask_on_option_gid=seed.autotask_yes_gid,
        repo_field_gid=seed.repo_field_gid,
        status_field_gid=seed.status_field_gid,
    )
    repos = [seed.repo, *EXTRA_REPOS]
    async with aiohttp.ClientSession() as session:
        ctx = connections.Context(session, settings)
        # The same checks an admin's save goes through; they also fetch the names.
        names = await connections.validate_asana(ctx, project_id, data)
        await config_writes.save_asana_config(project_id, data, names)
        await connections.validate_repos(ctx, project_id, repos)
        await config_writes.save_repos(project_id, repos)
        status_field = await connections.field_options(
            ctx, project_id, seed.status_field_gid, "Status"
        )
        await config_writes.save_status_map(
            project_id,
            [
                StatusMapping(o.gid, o.name, STATUS_MEANINGS.get(o.name, AsanaStatus.ACTIVE))
                for o in status_field.enum_options
            ],
        )
    return DemoLogin(DEMO_USER, password, DEMO_SLUG)


async def start_demo(settings: Settings, seed: Seed) -> DemoLogin:
    """`setup_demo`, then queue the set-up of the project's webhooks: it needs our web process
    up (Asana's handshake calls it back while the create call waits), so a worker does it once
    the web answers, then imports the project's recent tasks."""
    login = await setup_demo(settings, seed)
    project = await get_by_slug(login.slug)
    assert project is not None
    await defer.defer(hooks_job(project["id"]))
    return login


class SandboxThread:
    """The sandbox served from a thread of its own, so the rest of the command stays simple."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        asana_port: int = 0,
        github_port: int = 0,
        autopilot: bool = True,
    ) -> None:
        self.host = host
        self.ports = {"asana_port": asana_port, "github_port": github_port}
        self.autopilot = autopilot
        self.sandbox: Sandbox | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self.sandbox = Sandbox()
            seed_extra_repos(self.sandbox)
            self.sandbox.github.autopilot.configure(enabled=self.autopilot)
            self._loop.run_until_complete(self.sandbox.start(self.host, **self.ports))
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> Sandbox:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None or self.sandbox is None:
            raise RuntimeError(f"the sandbox did not start: {self._error}")
        return self.sandbox

    def stop(self) -> None:
        if self.sandbox is not None and self._loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self.sandbox.close(), self._loop)
            future.result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


def describe(settings: Settings, login: DemoLogin, sandbox: Sandbox) -> str:
    return "\n".join(
        (
            "",
            f"  Auto-Flow demo is running at {settings.public_url}",
            "",
            f"  Sign in at {settings.public_url}/login",
            f"    username: {login.username}",
            f"    password: {login.password}   (new on every start)",
            f"  The demo project: {settings.public_url}/p/{login.slug}",
            "",
            "  The sandbox (Asana and GitHub imitated; state in memory, afresh on every run):",
            *describe_lines(sandbox),
            "  Try it: create a task with AutoTask on, as a colleague in Asana would:",
            f"    curl -X POST {sandbox.asana.control_url}/tasks -H 'Content-Type: application/json' \\",
            f'      -d \'{{"project": "{sandbox.seed.project_gid}", "name": "Try the demo", '
            f'"custom_fields": {{"AutoTask": "Yes", "Repo": "{sandbox.seed.repo}"}}}}\'',
            "",
            "  Stop with Ctrl-C.",
            "",
        )
    )


def child_env(base: dict[str, str], sandbox: Sandbox) -> dict[str, str]:
    """The environment of the web and worker processes: `base` (this process's) plus the
    sandbox's base URLs."""
    env = dict(base)
    env["AUTOFLOW_ASANA_API_URL"] = sandbox.asana.base_url
    env["AUTOFLOW_GITHUB_API_URL"] = sandbox.github.base_url
    return env
