"""The settings page's calls to Asana and GitHub: pickers, "Test connection", validating what an
admin typed, and syncing repositories into the Asana Repo field.

Each runs only on an explicit click, with a short timeout (`INTERACTIVE_POLICY`), and turns any
failure into `ConnectionProblem`, a message fit to show next to the field. Messages carry the
service's own explanation, never a token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp

from app.integrations import clients
from app.integrations.asana.client import AsanaClient
from app.integrations.asana.models import CustomField, Project, Workspace
from app.integrations.errors import (
    AuthenticationFailed,
    IntegrationError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from app.integrations.github.client import GitHubClient
from app.services import project_config as config
from app.services.integration_readiness import record_check
from app.services.project_config import Service
from app.services.project_config_input import AsanaInput, ConfigProblem
from app.settings import Settings

logger = logging.getLogger(__name__)

SERVICE_NAMES = {Service.ASANA: "Asana", Service.GITHUB: "GitHub"}
ENUM_TYPES = ("enum", "multi_enum")


class ConnectionProblem(RuntimeError):
    """A call to a service failed. The message says so in plain words for an admin; `detail`
    is the service's own answer (method, path, status, reason), shown on request. Neither
    ever holds a token."""

    def __init__(self, message: str, *, field: str = "form", detail: str | None = None):
        super().__init__(message)
        self.field = field
        self.detail = detail


def explain(error: IntegrationError) -> str:
    """One readable sentence for a failed call; the service's own reason is `error.message`."""
    name = SERVICE_NAMES.get(Service(error.service), error.service)
    if isinstance(error, AuthenticationFailed):
        return (
            f"{name} rejected the token: it is mistyped, expired or revoked. "
            f"Create a new one in {name} and replace it here."
        )
    if isinstance(error, PermissionDenied):
        return f"{name} refused: the token works, but its account may not do this."
    if isinstance(error, NotFound):
        return f"{name} cannot find it, or the token's account may not see it."
    if isinstance(error, RateLimited):
        return f"{name} asks us to slow down: try again in {int(error.retry_after) + 1} s."
    if isinstance(error, TransientError):
        return f"{name} did not answer properly; try again in a moment."
    if isinstance(error, ValidationFailed):
        return f"{name} refused the request."
    return f"{name} answered something unexpected."


def problem_from(error: IntegrationError, field: str = "form") -> ConnectionProblem:
    return ConnectionProblem(explain(error), field=field, detail=error.message)


@dataclass(frozen=True)
class Context:
    """What every call needs: the shared HTTP session and the settings (base URLs)."""

    session: aiohttp.ClientSession
    settings: Settings

    def asana(self, token: str) -> AsanaClient:
        return clients.asana_client(
            self.session, self.settings, token, policy=clients.INTERACTIVE_POLICY
        )

    def github(self, token: str) -> GitHubClient:
        return clients.github_client(
            self.session, self.settings, token, policy=clients.INTERACTIVE_POLICY
        )


async def _token(project_id: int, service: Service) -> str:
    token = await config.token(project_id, service)
    if not token:
        field = "asana_pat" if service is Service.ASANA else "github_token"
        raise ConnectionProblem(f"Save the {SERVICE_NAMES[service]} token first.", field=field)
    return token


async def _failed(project_id: int, service: Service, error: IntegrationError, field: str):
    message = explain(error)
    await record_check(project_id, service, message)
    logger.info(
        "integration call failed",
        extra={"project_id": project_id, "service": service.value, "status": error.status},
    )
    return ConnectionProblem(message, field=field, detail=error.message)


# -- tokens -----------------------------------------------------------------------------------


async def who_am_i(ctx: Context, service: Service, token: str) -> str:
    """Who a token belongs to, e.g. "Sandbox Admin (admin@example.com)"."""
    if service is Service.ASANA:
        user = await ctx.asana(token).get_me()
        return f"{user.name} ({user.email})" if user.email else user.name
    account = await ctx.github(token).get_authenticated_user()
    return f"{account.login} ({account.type})"


async def check_new_token(ctx: Context, service: Service, token: str) -> str:
    """Ask the service who a token (not saved yet) belongs to; ConnectionProblem if refused."""
    field = "asana_pat" if service is Service.ASANA else "github_token"
    try:
        return await who_am_i(ctx, service, token)
    except IntegrationError as error:
        raise problem_from(error, field) from None


async def test_connection(ctx: Context, project_id: int, service: Service) -> str:
    """Check the saved token; record the outcome for the integration status."""
    token = await _token(project_id, service)
    field = "asana_pat" if service is Service.ASANA else "github_token"
    try:
        who = await who_am_i(ctx, service, token)
    except IntegrationError as error:
        raise await _failed(project_id, service, error, field) from None
    await record_check(project_id, service)
    return who


# -- Asana pickers ----------------------------------------------------------------------------


async def pick_workspaces(ctx: Context, project_id: int) -> list[Workspace]:
    token = await _token(project_id, Service.ASANA)
    try:
        return await ctx.asana(token).list_workspaces()
    except IntegrationError as error:
        raise await _failed(project_id, Service.ASANA, error, "workspace_gid") from None


async def pick_projects(ctx: Context, project_id: int, workspace_gid: str | None) -> list[Project]:
    """The projects of one workspace, or of every workspace the token sees."""
    token = await _token(project_id, Service.ASANA)
    client = ctx.asana(token)
    try:
        if workspace_gid:
            return await client.list_projects(workspace_gid)
        found: list[Project] = []
        for workspace in await client.list_workspaces():
            found.extend(await client.list_projects(workspace.gid))
        return found
    except IntegrationError as error:
        raise await _failed(project_id, Service.ASANA, error, "asana_project_gids") from None


async def pick_fields(ctx: Context, project_id: int, project_gids: list[str]) -> list[CustomField]:
    """The enum custom fields on the given Asana projects, each with its options."""
    if not project_gids:
        raise ConnectionProblem(
            "Choose the Asana projects first: fields are read from them.",
            field="asana_project_gids",
        )
    token = await _token(project_id, Service.ASANA)
    client = ctx.asana(token)
    found: dict[str, CustomField] = {}
    try:
        for gid in project_gids:
            for custom_field in await client.list_project_custom_fields(gid):
                found.setdefault(custom_field.gid, custom_field)
    except IntegrationError as error:
        raise await _failed(project_id, Service.ASANA, error, "asana_project_gids") from None
    return [f for f in found.values() if f.subtype in ENUM_TYPES]


async def field_options(ctx: Context, project_id: int, field_gid: str | None, label: str):
    """One enum field, live, with all its options (for the status and repo maps)."""
    if not field_gid:
        raise ConnectionProblem(f"Choose the {label} field first.")
    token = await _token(project_id, Service.ASANA)
    try:
        return await ctx.asana(token).get_custom_field(field_gid)
    except IntegrationError as error:
        raise await _failed(project_id, Service.ASANA, error, "form") from None


async def validate_asana(ctx: Context, project_id: int, data: AsanaInput) -> dict[str, str]:
    """Check typed or picked gids against Asana when a token is saved; returns gid -> name
    labels. Raises ConfigProblem with an error per field, or ConnectionProblem when Asana
    cannot be asked (bad token, outage): in both cases nothing may be saved."""
    token = await config.token(project_id, Service.ASANA)
    if not token:
        return {}
    client = ctx.asana(token)
    names: dict[str, str] = {}
    errors: dict[str, str] = {}
    fields: dict[str, CustomField] = {}
    try:
        if data.workspace_gid:
            workspaces = {w.gid: w.name for w in await client.list_workspaces()}
            if data.workspace_gid in workspaces:
                names[data.workspace_gid] = workspaces[data.workspace_gid]
            else:
                errors["workspace_gid"] = (
                    f"Asana has no workspace {data.workspace_gid} that this token can see."
                )
        for gid in data.project_gids:
            try:
                project = await client.get_project(gid)
            except NotFound:
                errors["asana_project_gids"] = (
                    f"Asana has no project {gid}, or the token may not see it."
                )
                continue
            names[gid] = project.name
            for custom_field in await client.list_project_custom_fields(gid):
                fields.setdefault(custom_field.gid, custom_field)
    except IntegrationError as error:
        raise await _failed(project_id, Service.ASANA, error, "form") from None
    await record_check(project_id, Service.ASANA)
    if "asana_project_gids" not in errors:
        for name, label, types in (
            ("autotask_field_gid", "AutoTask", ENUM_TYPES),
            ("repo_field_gid", "Repo", ("enum",)),
            ("status_field_gid", "Status", ("enum",)),
        ):
            gid = getattr(data, name)
            if not gid:
                continue
            found = fields.get(gid)
            if found is None:
                errors[name] = f"Field {gid} is not on the chosen Asana projects."
            elif found.subtype not in types:
                errors[name] = (
                    f"{found.name} is a {found.subtype} field; the {label} field must be "
                    f"{' or '.join(types)}."
                )
            else:
                names[gid] = found.name
        autotask = fields.get(data.autotask_field_gid or "")
        option = data.autotask_on_option_gid
        if option and autotask is not None and "autotask_field_gid" not in errors:
            match = next((o for o in autotask.enum_options if o.gid == option), None)
            if match is None:
                errors["autotask_on_option_gid"] = (
                    f"Option {option} is not an option of {autotask.name}."
                )
            else:
                names[option] = match.name
    if errors:
        raise ConfigProblem(errors)
    return names


# -- GitHub -----------------------------------------------------------------------------------


async def validate_repos(ctx: Context, project_id: int, repos: list[str]) -> None:
    """Check each repository exists and the saved token sees it (when a token is saved).
    Raises ConfigProblem with an error per repository (keys `repo:<owner/repo>`)."""
    token = await config.token(project_id, Service.GITHUB)
    if not token:
        return
    client = ctx.github(token)
    errors: dict[str, str] = {}
    for repo in repos:
        try:
            await client.get_repository(repo)
        except NotFound:
            errors[f"repo:{repo.lower()}"] = (
                f"GitHub has no repository {repo}, or the token may not see it."
            )
        except IntegrationError as error:
            raise await _failed(project_id, Service.GITHUB, error, "repos") from None
    await record_check(project_id, Service.GITHUB)
    if errors:
        raise ConfigProblem(errors)


@dataclass(frozen=True)
class SyncResult:
    added: list[str]
    disabled: list[str]  # options that exist but are disabled: enable them in Asana


async def sync_repo_options(ctx: Context, project_id: int) -> SyncResult:
    """Add an option named `owner/repo` to the Asana Repo field for each project repository
    that has none. Options cannot be deleted in Asana, and a field holds at most 500 options,
    disabled ones included, so nothing is added when the missing ones would not fit."""
    asana = await config.asana_config(project_id)
    repos = await config.github_repos(project_id)
    if not repos:
        raise ConnectionProblem("Save the GitHub repositories first.")
    custom_field = await field_options(ctx, project_id, asana.repo_field_gid, "Repo")
    existing = {o.name.strip().lower(): o for o in custom_field.enum_options}
    missing = [r for r in repos if r.lower() not in existing]
    disabled = [r for r in repos if r.lower() in existing and not existing[r.lower()].enabled]
    room = config.MAX_ENUM_OPTIONS - len(custom_field.enum_options)
    if len(missing) > room:
        raise ConnectionProblem(
            f"{custom_field.name} holds {len(custom_field.enum_options)} options (disabled ones "
            f"count too); {len(missing)} more would pass Asana's limit of "
            f"{config.MAX_ENUM_OPTIONS}."
        )
    token = await _token(project_id, Service.ASANA)
    client = ctx.asana(token)
    added = []
    try:
        for repo in missing:
            await client.add_enum_option(custom_field.gid, repo)
            added.append(repo)
    except IntegrationError as error:
        problem = await _failed(project_id, Service.ASANA, error, "form")
        if added:
            problem = ConnectionProblem(
                f"Added {', '.join(added)}, then: {problem}", detail=problem.detail
            )
        raise problem from None
    await record_check(project_id, Service.ASANA)
    return SyncResult(added, disabled)
