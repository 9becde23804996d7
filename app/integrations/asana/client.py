"""An async Asana client: one method per endpoint the pipeline and the settings pages use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp

from app.integrations.asana.models import (
    CustomField,
    EnumOption,
    Project,
    Story,
    Task,
    User,
    Webhook,
    Workspace,
)
from app.integrations.errors import (
    AuthenticationFailed,
    IntegrationError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
    UnexpectedResponse,
    ValidationFailed,
)
from app.integrations.http import (
    Authorizer,
    BearerToken,
    RetryPolicy,
    ServiceTransport,
    parse_retry_after,
)

ASANA_API_URL = "https://app.asana.com/api/1.0"
PAGE_SIZE = 100  # Asana's largest page; a `limit` above it is refused
MAX_PAGES = 500  # a guard against a pagination loop, far above any real project
DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60.0  # used if a 429 ever comes without Retry-After

# Fields asked for explicitly: without opt_fields a list returns compact records (gid and name).
# Reference: https://developers.asana.com/docs/inputoutput-options
TASK_FIELDS = ",".join(
    (
        "name",
        "notes",
        "completed",
        "modified_at",
        "permalink_url",
        "memberships.project.name",
        "memberships.section.name",
        "custom_fields.name",
        "custom_fields.resource_subtype",
        "custom_fields.enum_value.name",
        "custom_fields.enum_value.enabled",
        "custom_fields.enum_value.color",
        "custom_fields.multi_enum_values.name",
        "custom_fields.display_value",
        "custom_fields.text_value",
        "custom_fields.number_value",
    )
)
CUSTOM_FIELD_SETTING_FIELDS = ",".join(
    (
        "custom_field.name",
        "custom_field.resource_subtype",
        "custom_field.enum_options.name",
        "custom_field.enum_options.enabled",
        "custom_field.enum_options.color",
    )
)
WEBHOOK_FIELDS = ",".join(
    (
        "resource.name",
        "target",
        "active",
        "filters",
        "last_success_at",
        "last_failure_at",
        "last_failure_content",
    )
)

# A value for `custom_fields` on create/update, keyed by field gid: an enum option gid (enum),
# a list of option gids (multi_enum), text, a number, {"date": "YYYY-MM-DD"}, a list of user
# gids (people), or None to clear it.
# Reference: https://developers.asana.com/reference/updatetask (custom_fields)
CustomFieldInput = str | float | int | Sequence[str] | Mapping[str, str] | None


def interpret_asana_error(
    status: int, headers: Mapping[str, str], body: Any, where: str
) -> IntegrationError:
    """Turn an Asana error response into the named error callers branch on."""
    # Reference: https://developers.asana.com/docs/errors
    # The body is {"errors": [{"message": ..., "help": ..., "phrase": ...}]}.
    messages = []
    if isinstance(body, dict):
        messages = [e.get("message", "") for e in body.get("errors") or () if isinstance(e, dict)]
    message = f"{where} answered {status}: {'; '.join(m for m in messages if m) or 'no detail'}"
    if status == 401:
        return AuthenticationFailed(message, service="asana", status=status)
    if status in (402, 403):  # 402: a premium-only feature
        return PermissionDenied(message, service="asana", status=status)
    if status in (404, 410):
        return NotFound(message, service="asana", status=status)
    if status == 429:
        # Reference: https://developers.asana.com/docs/rate-limits (429 with Retry-After)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        return RateLimited(
            message,
            service="asana",
            retry_after=DEFAULT_RATE_LIMIT_WAIT_SECONDS if retry_after is None else retry_after,
        )
    if status >= 500:
        return TransientError(message, service="asana", status=status)
    if 400 <= status < 500:
        return ValidationFailed(message, service="asana", status=status)
    return IntegrationError(message, service="asana", status=status)


def format_asana_time(moment: datetime) -> str:
    """Write a timestamp the way Asana's query parameters expect it (ISO 8601, UTC)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime is ambiguous; pass an aware one")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AsanaClient:
    """Talks to one Asana account through a personal access token."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str | Authorizer,
        *,
        base_url: str = ASANA_API_URL,
        policy: RetryPolicy | None = None,
    ) -> None:
        authorizer = BearerToken(token) if isinstance(token, str) else token
        self.transport = ServiceTransport(
            session,
            base_url,
            service="asana",
            authorizer=authorizer,
            interpret_error=interpret_asana_error,
            policy=policy or RetryPolicy(),
            headers={"Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"AsanaClient({self.transport.base_url!r})"

    async def _data(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.transport.request(method, path, **kwargs)
        if not isinstance(response.body, dict) or "data" not in response.body:
            raise UnexpectedResponse(f"{method} {path} answered without 'data'", service="asana")
        return response.body["data"]

    async def _all_pages(self, path: str, params: Mapping[str, str | int]) -> list[dict[str, Any]]:
        # Reference: https://developers.asana.com/docs/pagination
        # Pass `limit`; follow `next_page.offset` until `next_page` is null.
        records: list[dict[str, Any]] = []
        query: dict[str, str | int] = {**params, "limit": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            response = await self.transport.request("GET", path, params=query)
            body = response.body
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise UnexpectedResponse(f"GET {path} answered without a list", service="asana")
            records.extend(body["data"])
            next_page = body.get("next_page")
            if not next_page:
                return records
            query["offset"] = next_page["offset"]
        raise UnexpectedResponse(
            f"GET {path} kept paginating past {MAX_PAGES} pages", service="asana"
        )

    async def get_task(self, task_gid: str) -> Task:
        """Read one task with the fields the pipeline decides on."""
        # Reference: https://developers.asana.com/reference/gettask
        data = await self._data("GET", f"/tasks/{task_gid}", params={"opt_fields": TASK_FIELDS})
        return Task.from_json(data)

    async def list_project_tasks_modified_since(
        self, project_gid: str, since: datetime
    ) -> list[Task]:
        """Every task of a project modified at or after `since`, all pages followed."""
        # Reference: https://developers.asana.com/reference/gettasks (project + modified_since)
        records = await self._all_pages(
            "/tasks",
            {
                "project": project_gid,
                "modified_since": format_asana_time(since),
                "opt_fields": TASK_FIELDS,
            },
        )
        return [Task.from_json(record) for record in records]

    async def list_project_tasks_page(
        self, project_gid: str, since: datetime, *, offset: str | None = None
    ) -> tuple[list[Task], str | None]:
        """One page of a project's tasks modified at or after `since`, and the offset of the
        next page (None on the last), so a long import can stop and resume between pages."""
        # Reference: https://developers.asana.com/reference/gettasks (project + modified_since)
        # Reference: https://developers.asana.com/docs/pagination
        params: dict[str, str | int] = {
            "project": project_gid,
            "modified_since": format_asana_time(since),
            "opt_fields": TASK_FIELDS,
            "limit": PAGE_SIZE,
        }
        if offset:
            params["offset"] = offset
        response = await self.transport.request("GET", "/tasks", params=params)
        body = response.body
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise UnexpectedResponse("GET /tasks answered without a list", service="asana")
        next_page = body.get("next_page") or {}
        tasks = [Task.from_json(record) for record in body["data"]]
        return tasks, next_page.get("offset")

    async def create_task(
        self,
        project_gid: str,
        name: str,
        *,
        notes: str = "",
        custom_fields: Mapping[str, CustomFieldInput] | None = None,
    ) -> Task:
        """Create a task in a project, optionally with custom field values."""
        # Reference: https://developers.asana.com/reference/createtask
        fields: dict[str, Any] = {"name": name, "notes": notes, "projects": [project_gid]}
        if custom_fields:
            fields["custom_fields"] = dict(custom_fields)
        data = await self._data(
            "POST", "/tasks", params={"opt_fields": TASK_FIELDS}, json_body={"data": fields}
        )
        return Task.from_json(data)

    async def update_task(
        self,
        task_gid: str,
        *,
        completed: bool | None = None,
        custom_fields: Mapping[str, CustomFieldInput] | None = None,
    ) -> Task:
        """Complete or reopen a task and/or set its custom fields; returns the task after."""
        # Reference: https://developers.asana.com/reference/updatetask
        fields: dict[str, Any] = {}
        if completed is not None:
            fields["completed"] = completed
        if custom_fields:
            fields["custom_fields"] = dict(custom_fields)
        if not fields:
            raise ValueError("update_task needs completed or custom_fields")
        data = await self._data(
            "PUT",
            f"/tasks/{task_gid}",
            params={"opt_fields": TASK_FIELDS},
            json_body={"data": fields},
        )
        return Task.from_json(data)

    async def add_comment(self, task_gid: str, text: str) -> Story:
        """Post a comment story on a task."""
        # Reference: https://developers.asana.com/reference/createstoryfortask
        data = await self._data(
            "POST", f"/tasks/{task_gid}/stories", json_body={"data": {"text": text}}
        )
        return Story.from_json(data)

    async def list_stories(self, task_gid: str) -> list[Story]:
        """Every story (comments and system notes) on a task, oldest first."""
        # Reference: https://developers.asana.com/reference/getstoriesfortask
        records = await self._all_pages(
            f"/tasks/{task_gid}/stories", {"opt_fields": "text,created_at,resource_subtype"}
        )
        return [Story.from_json(record) for record in records]

    async def get_me(self) -> User:
        """The user the token belongs to (the settings page's "Test connection")."""
        # Reference: https://developers.asana.com/reference/getuser (user_gid "me")
        data = await self._data("GET", "/users/me", params={"opt_fields": "name,email"})
        return User.from_json(data)

    async def get_custom_field(self, custom_field_gid: str) -> CustomField:
        """One custom field with all its enum options (disabled ones included)."""
        # Reference: https://developers.asana.com/reference/getcustomfield
        data = await self._data(
            "GET",
            f"/custom_fields/{custom_field_gid}",
            params={"opt_fields": "name,resource_subtype,enum_options.name,enum_options.enabled"},
        )
        return CustomField.from_json(data)

    async def list_workspaces(self) -> list[Workspace]:
        """The workspaces the token's user belongs to."""
        # Reference: https://developers.asana.com/reference/getworkspaces
        records = await self._all_pages("/workspaces", {"opt_fields": "name"})
        return [Workspace.from_json(record) for record in records]

    async def list_projects(self, workspace_gid: str) -> list[Project]:
        """The workspace's projects that are not archived."""
        # Reference: https://developers.asana.com/reference/getprojects
        records = await self._all_pages(
            "/projects",
            {"workspace": workspace_gid, "archived": "false", "opt_fields": "name,archived"},
        )
        return [Project.from_json(record) for record in records]

    async def get_project(self, project_gid: str) -> Project:
        """One project (name, workspace; a 404 when it does not exist or the token cannot
        see it)."""
        # Reference: https://developers.asana.com/reference/getproject
        data = await self._data(
            "GET", f"/projects/{project_gid}", params={"opt_fields": "name,archived,workspace"}
        )
        return Project.from_json(data)

    async def list_project_custom_fields(self, project_gid: str) -> list[CustomField]:
        """The custom fields added to a project, each with all its enum options."""
        # Reference: https://developers.asana.com/reference/getcustomfieldsettingsforproject
        records = await self._all_pages(
            f"/projects/{project_gid}/custom_field_settings",
            {"opt_fields": CUSTOM_FIELD_SETTING_FIELDS},
        )
        return [CustomField.from_json(record["custom_field"]) for record in records]

    async def add_enum_option(
        self, custom_field_gid: str, name: str, *, color: str | None = None
    ) -> EnumOption:
        """Append an option to an enum custom field (at most 500 options, disabled included)."""
        # Reference: https://developers.asana.com/reference/createenumoptionforcustomfield
        option: dict[str, Any] = {"name": name}
        if color:
            option["color"] = color
        data = await self._data(
            "POST", f"/custom_fields/{custom_field_gid}/enum_options", json_body={"data": option}
        )
        return EnumOption.from_json(data)

    async def create_webhook(
        self, resource_gid: str, target: str, *, filters: Sequence[Mapping[str, Any]] = ()
    ) -> Webhook:
        """Subscribe `target` to changes of a resource.

        Asana POSTs the `X-Hook-Secret` handshake to `target` while this call is still waiting
        for its answer, so the receiver must answer it on its own (see `webhooks.py`).
        """
        # Reference: https://developers.asana.com/reference/createwebhook
        fields: dict[str, Any] = {"resource": resource_gid, "target": target}
        if filters:
            fields["filters"] = [dict(f) for f in filters]
        data = await self._data(
            "POST", "/webhooks", params={"opt_fields": WEBHOOK_FIELDS}, json_body={"data": fields}
        )
        return Webhook.from_json(data)

    async def list_webhooks(
        self, workspace_gid: str, *, resource_gid: str | None = None
    ) -> list[Webhook]:
        """The webhooks this token registered in a workspace, optionally for one resource."""
        # Reference: https://developers.asana.com/reference/getwebhooks
        params = {"workspace": workspace_gid, "opt_fields": WEBHOOK_FIELDS}
        if resource_gid:
            params["resource"] = resource_gid
        records = await self._all_pages("/webhooks", params)
        return [Webhook.from_json(record) for record in records]

    async def delete_webhook(self, webhook_gid: str) -> None:
        """Stop a webhook; a delivery already in flight may still arrive."""
        # Reference: https://developers.asana.com/reference/deletewebhook
        await self._data("DELETE", f"/webhooks/{webhook_gid}")
