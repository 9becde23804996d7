"""The Asana sandbox's control endpoints (`/_sandbox/...`): acting as a person in Asana's UI.

    POST /_sandbox/tasks          {"project", "name", "notes"?, "custom_fields"?, "as"?}
    POST /_sandbox/tasks/{gid}    {"name"?, "notes"?, "completed"?, "custom_fields"?, "as"?}
    POST /_sandbox/heartbeats     the empty delivery Asana sends each webhook every 8 hours
plus `GET /_sandbox`, `POST /_sandbox/settle` and `POST /_sandbox/faults` (control.py).

`as` is the gid of the Asana user who acts (by default the seeded "Sandbox Person", not the
token's user, so the events look like a colleague's edit). `custom_fields` maps a field to a
value, each by gid or by name: `{"AutoTask": "Yes", "Repo": "sandbox-org/demo"}` works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from app.sandbox import asana_store as store
from app.sandbox.asana_api import AsanaError
from app.sandbox.control import PREFIX, ControlBase, ControlError, need, read_json
from app.sandbox.server import json_response


class AsanaControl(ControlBase):
    """Control endpoints of the Asana sandbox."""

    world: store.AsanaWorld
    # Set by `Sandbox` (runner.py): who acts when a control request names nobody.
    control_actor_gid: str | None = None

    if TYPE_CHECKING:  # provided by the task endpoints and the server

        def add_task(self, data: dict[str, Any], user: store.User) -> store.Task: ...
        def edit_task(self, task_gid: str, *, by_user_gid: str | None = None, **changes: Any): ...
        async def send_heartbeats(self) -> None: ...

    def asana_control_routes(self) -> list[tuple[str, str, Any]]:
        return [
            *self.control_routes(),
            ("POST", f"{PREFIX}/tasks", self.control_create_task),
            ("POST", f"{PREFIX}/tasks/{{gid}}", self.control_edit_task),
            ("POST", f"{PREFIX}/heartbeats", self.control_heartbeats),
        ]

    def _actor(self, data: dict[str, Any]) -> store.User:
        gid = data.pop("as", None) or self.control_actor_gid
        user = self.world.users.get(gid or "")
        if user is None:
            raise ControlError(f"as: no Asana user {gid}")
        return user

    def _custom_values(self, fields: list[store.CustomField], values: Any) -> dict[str, Any]:
        """Field and option names turned into gids; gids pass through."""
        if not isinstance(values, dict):
            raise ControlError("custom_fields: an object of field -> value")
        resolved: dict[str, Any] = {}
        for key, value in values.items():
            field = next((f for f in fields if key in (f.gid, f.name)), None)
            if field is None:
                raise ControlError(f"custom_fields: no field {key} on this task")
            if field.subtype == "enum" and isinstance(value, str):
                option = field.option(value) or field.option_named(value)
                if option is None:
                    raise ControlError(f"custom_fields: {field.name} has no option {value}")
                value = option.gid
            resolved[field.gid] = value
        return resolved

    async def control_create_task(self, request: web.Request) -> web.Response:
        """Create a task in a project as a person would, with custom field values."""
        data = await read_json(request)
        user = self._actor(data)
        project = self.world.projects.get(need(data, "project"))
        if project is None:
            raise ControlError(f"project: no project {data['project']}", 404)
        fields = [self.world.custom_fields[gid] for gid in project.custom_field_gids]
        task_data = {
            "projects": [project.gid],
            "name": need(data, "name"),
            "notes": data.get("notes", ""),
            "custom_fields": self._custom_values(fields, data.get("custom_fields", {})),
        }
        try:
            task = self.add_task(task_data, user)
        except AsanaError as exc:
            raise ControlError(exc.message) from None
        return json_response({"data": store.task_json(task, self.world)}, status=201)

    async def control_edit_task(self, request: web.Request) -> web.Response:
        """Edit a task as a person would in Asana's UI (one event per changed field)."""
        data = await read_json(request)
        user = self._actor(data)
        task = self.world.tasks.get(request.match_info["gid"])
        if task is None:
            raise ControlError(f"no task {request.match_info['gid']}", 404)
        if "custom_fields" in data:
            data["custom_fields"] = self._custom_values(
                self.world.task_fields(task), data["custom_fields"]
            )
        try:
            self.edit_task(task.gid, by_user_gid=user.gid, **data)
        except AsanaError as exc:
            raise ControlError(exc.message) from None
        return json_response({"data": store.task_json(task, self.world)})

    async def control_heartbeats(self, request: web.Request) -> web.Response:
        await self.send_heartbeats()
        return json_response({"sent": len(self.world.webhooks)})
