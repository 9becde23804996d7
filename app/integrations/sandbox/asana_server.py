"""The Asana sandbox: Asana's REST paths under `/api/1.0`, served from an in-memory world.

Every handler names the API reference it follows. Creating a webhook runs the X-Hook-Secret
handshake against the target before the create call answers, as Asana does; the events that
later changes cause are built and delivered by `asana_events.py`.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from app.integrations.asana.webhooks import HOOK_SECRET_HEADER
from app.integrations.sandbox import asana_store as store
from app.integrations.sandbox.asana_events import AsanaEventSender, story_event, task_event
from app.integrations.sandbox.delivery import WebhookSender
from app.integrations.sandbox.faults import Faults, ResponseFault, fault_middleware
from app.integrations.sandbox.server import ServerHandle, json_response, start_server

API_PREFIX = "/api/1.0"
MAX_PAGE_SIZE = 100  # Reference: https://developers.asana.com/docs/pagination (limit 1..100)
HANDSHAKE_TIMEOUT_SECONDS = 10.0
USER_GID = web.RequestKey("user_gid", str)  # the gid of the token's user

Handler = Callable[[web.Request], Any]


class AsanaError(Exception):
    """Raised by a handler; rendered as Asana's `{"errors": [{"message": ...}]}` body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_response(status: int, message: str, headers: dict[str, str] | None = None):
    # Reference: https://developers.asana.com/docs/errors
    error: dict[str, Any] = {"message": message}
    if status >= 500:
        error["phrase"] = "6 sandbox squids snuggle softly"
    return json_response({"errors": [error]}, status=status, headers=headers)


def render_fault(fault: ResponseFault) -> web.Response:
    if fault.kind == "rate_limit":
        # Reference: https://developers.asana.com/docs/rate-limits
        return error_response(
            429,
            "You have made too many requests recently. Please, be chill.",
            {"Retry-After": str(fault.retry_after)},
        )
    return error_response(fault.status, "Server Error")


class AsanaSandbox:
    """One Asana account in memory, served over HTTP."""

    def __init__(self) -> None:
        self.world = store.AsanaWorld()
        self.faults = Faults()
        self.sender = WebhookSender(self.faults)
        self.handshake_timeout_seconds = HANDSHAKE_TIMEOUT_SECONDS
        self.events = AsanaEventSender(self.world, self.sender)
        self._handle: ServerHandle | None = None
        self.app = self._build_app()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What a client uses in place of https://app.asana.com/api/1.0."""
        assert self._handle is not None, "start() the sandbox first"
        return self._handle.url + API_PREFIX

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await self.sender.start()
        self._handle = await start_server(self.app, host, port)

    async def close(self) -> None:
        await self.sender.close()
        if self._handle is not None:
            await self._handle.close()

    async def settle(self) -> None:
        await self.sender.settle()

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                self._errors_middleware,
                fault_middleware(self.faults, render_fault, strip_prefix=API_PREFIX),
                self._auth_middleware,
            ]
        )
        routes = [
            ("GET", "/users/me", self.get_me),
            ("GET", "/workspaces", self.list_workspaces),
            ("GET", "/projects", self.list_projects),
            ("GET", "/projects/{gid}", self.get_project),
            ("GET", "/projects/{gid}/custom_field_settings", self.list_custom_field_settings),
            ("GET", "/custom_fields/{gid}", self.get_custom_field),
            ("POST", "/custom_fields/{gid}/enum_options", self.create_enum_option),
            ("GET", "/tasks", self.list_tasks),
            ("POST", "/tasks", self.create_task),
            ("GET", "/tasks/{gid}", self.get_task),
            ("PUT", "/tasks/{gid}", self.update_task),
            ("GET", "/tasks/{gid}/stories", self.list_stories),
            ("POST", "/tasks/{gid}/stories", self.create_story),
            ("GET", "/webhooks", self.list_webhooks),
            ("POST", "/webhooks", self.create_webhook),
            ("GET", "/webhooks/{gid}", self.get_webhook),
            ("DELETE", "/webhooks/{gid}", self.delete_webhook),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, API_PREFIX + path, handler)
        return app

    @web.middleware
    async def _errors_middleware(self, request: web.Request, handler: Handler):
        try:
            return await handler(request)
        except AsanaError as exc:
            return error_response(exc.status, exc.message, exc.headers)
        except web.HTTPNotFound:
            return error_response(404, "Not Found")
        except web.HTTPMethodNotAllowed:
            return error_response(405, "Method Not Allowed")

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler):
        # Reference: https://developers.asana.com/docs/personal-access-token (Bearer token)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user_gid = self.world.tokens.get(token) if scheme.lower() == "bearer" else None
        if user_gid is None:
            raise AsanaError(401, "Not Authorized")
        request[USER_GID] = user_gid
        return await handler(request)

    # -- helpers ---------------------------------------------------------------------------

    def _find(self, collection: dict[str, Any], gid: str, kind: str) -> Any:
        if gid not in collection:
            raise AsanaError(404, f"{kind}: Unknown object: {gid}")
        return collection[gid]

    async def _data(self, request: web.Request) -> dict[str, Any]:
        """The request's `data` object; Asana takes JSON `{"data": {...}}` or form fields."""
        if request.content_type == "application/x-www-form-urlencoded":
            return dict(await request.post())
        try:
            body = await request.json()
        except ValueError:
            raise AsanaError(400, "Could not parse request data, invalid JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise AsanaError(400, "Request data must be a JSON object with a 'data' key")
        return body["data"]

    def _respond(self, request: web.Request, record: Any, *, status: int = 200) -> web.Response:
        fields = request.query.get("opt_fields")
        return json_response(
            {"data": store.select_fields(record, fields, compact_default=False)}, status=status
        )

    def _page(self, request: web.Request, records: list[dict[str, Any]]) -> web.Response:
        """Answer a list, paginated when `limit` is given, with opaque offset tokens."""
        # Reference: https://developers.asana.com/docs/pagination
        fields = request.query.get("opt_fields")
        limit_text = request.query.get("limit")
        if limit_text is None:
            data = store.select_fields(records, fields, compact_default=True)
            return json_response({"data": data})
        try:
            limit = int(limit_text)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise AsanaError(400, f"limit: Must be between 1 and {MAX_PAGE_SIZE}, inclusive")
        query_key = self._query_key(request)
        start = 0
        if "offset" in request.query:
            start = self._read_offset(request.query["offset"], query_key)
        page = records[start : start + limit]
        next_page = None
        if start + limit < len(records):
            token = self._offset_token(start + limit, query_key)
            query = {k: v for k, v in request.query.items() if k != "offset"}
            query["offset"] = token
            path = request.path.removeprefix(API_PREFIX) + "?" + _urlencode(query)
            next_page = {"offset": token, "path": path, "uri": self.base_url + path}
        data = store.select_fields(page, fields, compact_default=True)
        return json_response({"data": data, "next_page": next_page})

    @staticmethod
    def _query_key(request: web.Request) -> str:
        items = sorted((k, v) for k, v in request.query.items() if k not in ("offset", "limit"))
        return request.path + "?" + _urlencode(dict(items))

    @staticmethod
    def _offset_token(index: int, query_key: str) -> str:
        raw = json.dumps({"i": index, "q": query_key}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _read_offset(token: str, query_key: str) -> int:
        try:
            padded = token + "=" * (-len(token) % 4)
            decoded = json.loads(base64.urlsafe_b64decode(padded))
            if decoded["q"] != query_key:
                raise ValueError
            return int(decoded["i"])
        except (ValueError, KeyError, TypeError):
            raise AsanaError(400, "offset: Your pagination token is invalid") from None

    # -- users, workspaces, projects, custom fields ------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getuser
        user = self.world.users[request[USER_GID]]
        record = {
            **store.compact(user.gid, "user", user.name),
            "email": user.email,
            "workspaces": [
                store.compact(w.gid, "workspace", w.name) for w in self.world.workspaces.values()
            ],
        }
        return self._respond(request, record)

    async def list_workspaces(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getworkspaces
        records = [
            {**store.compact(w.gid, "workspace", w.name), "is_organization": True}
            for w in self.world.workspaces.values()
        ]
        return self._page(request, records)

    async def list_projects(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getprojects
        workspace_gid = request.query.get("workspace")
        archived = request.query.get("archived")
        projects = [
            p
            for p in self.world.projects.values()
            if (workspace_gid is None or p.workspace_gid == workspace_gid)
            and (archived is None or p.archived == (archived == "true"))
        ]
        return self._page(request, [self._project_json(p) for p in projects])

    async def get_project(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getproject
        project = self._find(self.world.projects, request.match_info["gid"], "project")
        return self._respond(request, self._project_json(project))

    def _project_json(self, project: store.Project) -> dict[str, Any]:
        workspace = self.world.workspaces[project.workspace_gid]
        return {
            **store.compact(project.gid, "project", project.name),
            "archived": project.archived,
            "workspace": store.compact(workspace.gid, "workspace", workspace.name),
        }

    async def list_custom_field_settings(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getcustomfieldsettingsforproject
        project = self._find(self.world.projects, request.match_info["gid"], "project")
        records = []
        for field_gid in project.custom_field_gids:
            custom_field = self.world.custom_fields[field_gid]
            records.append(
                {
                    "gid": f"{project.gid}-{field_gid}",
                    "resource_type": "custom_field_setting",
                    "is_important": True,
                    "project": store.compact(project.gid, "project", project.name),
                    "custom_field": store.custom_field_json(custom_field),
                }
            )
        return self._page(request, records)

    async def get_custom_field(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getcustomfield
        custom_field = self._find(
            self.world.custom_fields, request.match_info["gid"], "custom_field"
        )
        return self._respond(request, store.custom_field_json(custom_field))

    async def create_enum_option(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createenumoptionforcustomfield
        custom_field = self._find(
            self.world.custom_fields, request.match_info["gid"], "custom_field"
        )
        data = await self._data(request)
        if custom_field.subtype not in ("enum", "multi_enum"):
            raise AsanaError(400, "custom_field: Only enum custom fields have enum options")
        name = str(data.get("name") or "").strip()
        if not name:
            raise AsanaError(400, "name: Missing input")
        if len(custom_field.enum_options) >= store.MAX_ENUM_OPTIONS:
            raise AsanaError(
                400,
                f"enum_options: A custom field can have at most {store.MAX_ENUM_OPTIONS} "
                "enum options, including disabled ones",
            )
        option = store.EnumOption(store.new_gid(), name, str(data.get("color") or "none"))
        custom_field.enum_options.append(option)
        return self._respond(request, store.enum_option_json(option), status=201)

    # -- tasks and stories ------------------------------------------------------------------

    async def list_tasks(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/gettasks
        project_gid = request.query.get("project")
        if not project_gid:
            raise AsanaError(
                400,
                "Must specify exactly one of project, tag, section, user task list, "
                "or assignee + workspace",
            )
        self._find(self.world.projects, project_gid, "project")
        since = request.query.get("modified_since")
        since_moment = _parse_time(since, "modified_since") if since else None
        tasks = [
            t
            for t in self.world.tasks.values()
            if project_gid in t.project_gids
            and (since_moment is None or t.modified_at >= since_moment)
        ]
        return self._page(request, [store.task_json(t, self.world) for t in tasks])

    async def get_task(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/gettask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        return self._respond(request, store.task_json(task, self.world))

    async def create_task(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createtask
        data = await self._data(request)
        project_gids = data.get("projects") or []
        if isinstance(project_gids, str):
            project_gids = [project_gids]
        if not project_gids:
            raise AsanaError(400, "You should specify one of workspace, parent, projects")
        for gid in project_gids:
            self._find(self.world.projects, gid, "projects")
        task = self.world.add_task(
            project_gids[0], str(data.get("name") or ""), str(data.get("notes") or "")
        )
        task.project_gids = list(project_gids)
        if data.get("custom_fields"):
            self._apply_custom_fields(task, data["custom_fields"])
        events = [
            task_event(task, "added", request[USER_GID], parent=("project", gid))
            for gid in task.project_gids
        ]
        self.events.emit(task, events)
        return self._respond(request, store.task_json(task, self.world), status=201)

    async def update_task(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/updatetask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        data = await self._data(request)
        changed = self.apply_changes(task, data)
        self.emit_changes(task, changed, request[USER_GID])
        return self._respond(request, store.task_json(task, self.world))

    def apply_changes(self, task: store.Task, data: dict[str, Any]) -> list[str]:
        """Apply a task update; returns the names of the fields that changed."""
        changed: list[str] = []
        for key in ("name", "notes"):
            if key in data and data[key] != getattr(task, key):
                setattr(task, key, str(data[key]))
                changed.append(key)
        if "completed" in data:
            completed = data["completed"]
            if not isinstance(completed, bool):
                raise AsanaError(400, "completed: Not a boolean")
            if completed != task.completed:
                task.completed = completed
                task.completed_at = store.now() if completed else None
                changed.append("completed")
        if data.get("custom_fields"):
            if self._apply_custom_fields(task, data["custom_fields"]):
                changed.append("custom_fields")
        if changed:
            task.modified_at = store.now()
        return changed

    def _apply_custom_fields(self, task: store.Task, values: Any) -> bool:
        # Reference: https://developers.asana.com/reference/updatetask (custom_fields object)
        if not isinstance(values, dict):
            raise AsanaError(400, "custom_fields: Value must be an object")
        allowed = {f.gid: f for f in self.world.task_fields(task)}
        changed = False
        for field_gid, value in values.items():
            custom_field = allowed.get(field_gid)
            if custom_field is None:
                raise AsanaError(
                    400, f"custom_fields: Custom field with ID {field_gid} is not on given object"
                )
            value = self._check_value(custom_field, value)
            if task.custom_values.get(field_gid) != value:
                task.custom_values[field_gid] = value
                changed = True
        return changed

    @staticmethod
    def _check_value(custom_field: store.CustomField, value: Any) -> Any:
        subtype = custom_field.subtype
        if value is None:
            return None
        if subtype == "enum":
            option = custom_field.option(str(value))
            if option is None:
                raise AsanaError(
                    400,
                    f"custom_fields: enum option {value} is not an option of {custom_field.name}",
                )
            if not option.enabled:
                raise AsanaError(400, f"custom_fields: enum option {option.name} is disabled")
            return option.gid
        if subtype == "multi_enum":
            if not isinstance(value, list) or any(
                custom_field.option(str(v)) is None for v in value
            ):
                raise AsanaError(
                    400, f"custom_fields: invalid multi_enum value for {custom_field.name}"
                )
            return [str(v) for v in value]
        if subtype == "number" and not isinstance(value, int | float):
            raise AsanaError(400, f"custom_fields: {custom_field.name} expects a number")
        if subtype == "text" and not isinstance(value, str):
            raise AsanaError(400, f"custom_fields: {custom_field.name} expects text")
        return value

    async def list_stories(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getstoriesfortask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        return self._page(request, [store.story_json(s, task, self.world) for s in task.stories])

    async def create_story(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createstoryfortask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        data = await self._data(request)
        text = str(data.get("text") or "")
        if not text and not data.get("html_text"):
            raise AsanaError(400, "text: Missing input")
        story = store.Story(store.new_gid(), text, store.now(), request[USER_GID])
        task.stories.append(story)
        self.events.emit(task, [story_event(story, task)])
        return self._respond(request, store.story_json(story, task, self.world), status=201)

    # -- webhooks ---------------------------------------------------------------------------

    async def list_webhooks(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getwebhooks (workspace required)
        workspace_gid = request.query.get("workspace")
        if not workspace_gid:
            raise AsanaError(400, "workspace: Missing input")
        resource_gid = request.query.get("resource")
        hooks = [
            h
            for h in self.world.webhooks.values()
            if h.workspace_gid == workspace_gid
            and h.owner_gid == request[USER_GID]
            and (resource_gid is None or h.resource_gid == resource_gid)
        ]
        return self._page(request, [store.webhook_json(h) for h in hooks])

    async def get_webhook(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getwebhook
        webhook = self._find(self.world.webhooks, request.match_info["gid"], "webhook")
        return self._respond(request, store.webhook_json(webhook))

    async def delete_webhook(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/deletewebhook
        webhook = self._find(self.world.webhooks, request.match_info["gid"], "webhook")
        del self.world.webhooks[webhook.gid]
        return json_response({"data": {}})

    async def create_webhook(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createwebhook
        data = await self._data(request)
        resource_gid = str(data.get("resource") or "")
        target = str(data.get("target") or "")
        if not resource_gid:
            raise AsanaError(400, "resource: Missing input")
        if not target:
            raise AsanaError(400, "target: Missing input")
        resource = self.world.resource(resource_gid)
        if resource is None:
            raise AsanaError(404, f"resource: Unknown object: {resource_gid}")
        filters = data.get("filters") or []
        if isinstance(filters, str):
            filters = json.loads(filters)
        resource_type, name, workspace_gid = resource
        if resource_type == "workspace" and not filters:
            raise AsanaError(400, "filters: Webhooks on a workspace require filters")
        # Asana refuses a second webhook for the same resource and target with 403.
        if any(
            h.resource_gid == resource_gid and h.target == target
            for h in self.world.webhooks.values()
        ):
            raise AsanaError(
                403, "Duplicate webhook: one already exists for this resource and target"
            )
        secret = secrets.token_hex(32)
        # The handshake goes out and must be answered *before* this call returns.
        record = await self.sender.post(
            target,
            {HOOK_SECRET_HEADER: secret},
            b"",
            timeout_seconds=self.handshake_timeout_seconds,
        )
        echoed = next(
            (v for k, v in record.response_headers.items() if k.lower() == "x-hook-secret"), None
        )
        if record.status not in (200, 204) or echoed != secret:
            raise AsanaError(
                400,
                "The remote server did not respond with the handshake secret "
                f"(answer: {record.status or record.outcome})",
            )
        webhook = store.Webhook(
            gid=store.new_gid(),
            resource_gid=resource_gid,
            resource_type=resource_type,
            resource_name=name,
            target=target,
            filters=list(filters),
            secret=secret,
            owner_gid=request[USER_GID],
            workspace_gid=workspace_gid,
            created_at=store.now(),
        )
        self.world.webhooks[webhook.gid] = webhook
        return self._respond(request, store.webhook_json(webhook), status=201)

    # -- events out ---------------------------------------------------------------------------

    @property
    def delivery_retry_delays(self) -> tuple[float, ...]:
        """Waits between redeliveries; when all fail, the webhook is deleted."""
        return self.events.delivery_retry_delays

    @delivery_retry_delays.setter
    def delivery_retry_delays(self, delays: tuple[float, ...]) -> None:
        self.events.delivery_retry_delays = tuple(delays)

    @property
    def deleted_webhooks(self) -> list[store.Webhook]:
        """Webhooks Asana deleted because every delivery attempt failed."""
        return self.events.deleted_webhooks

    def emit_changes(self, task: store.Task, fields: list[str], user_gid: str | None) -> None:
        self.events.emit(
            task, [task_event(task, "changed", user_gid, changed_field=f) for f in fields]
        )

    def edit_task(self, task_gid: str, *, by_user_gid: str | None = None, **changes: Any) -> None:
        """Change a task the way a person in Asana's UI would, sending the webhooks it causes."""
        task = self.world.tasks[task_gid]
        self.emit_changes(task, self.apply_changes(task, changes), by_user_gid)

    async def send_heartbeats(self) -> None:
        """Send each webhook the empty delivery Asana sends about every 8 hours, and wait."""
        self.events.send_heartbeats()
        await self.settle()


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AsanaError(400, f"{name}: Not a valid date-time: {value}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _urlencode(query: dict[str, str]) -> str:
    return urlencode(query)
