"""The Asana sandbox's tasks and stories endpoints, and task changes with the events they cause.

A change made through the API (`update_task`), one made as a person in Asana's UI would
(`edit_task`, or `POST /_sandbox/tasks/{gid}`) go through the same `apply_changes` and send the
same events: one per changed field, and one per changed custom field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from app.sandbox import asana_store as store
from app.sandbox.asana_api import USER_GID, AsanaApi, AsanaError
from app.sandbox.asana_events import story_event, task_event
from app.sandbox.asana_fields import DOCUMENTED_FIELDS
from app.sandbox.server import json_response


class TaskEndpoints(AsanaApi):
    """Tasks of a project, their custom field values, and the stories (comments) on them."""

    async def list_tasks(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/gettasks
        project_gid = request.query.get("project")
        if not project_gid:
            raise AsanaError(
                400,
                "Must specify exactly one of project, tag, section, user task list, "
                "or assignee + workspace",
            )
        return self._project_tasks(request, project_gid)

    async def list_project_tasks(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/gettasksforproject
        return self._project_tasks(request, request.match_info["gid"])

    def _project_tasks(self, request: web.Request, project_gid: str) -> web.Response:
        """A project's tasks, filtered by modified_since and completed_since as Asana does
        ("completed_since=now" keeps only incomplete tasks)."""
        self._find(self.world.projects, project_gid, "project")
        since = request.query.get("modified_since")
        since_moment = _parse_time(since, "modified_since") if since else None
        completed_since = request.query.get("completed_since")
        completed_moment = None
        if completed_since:
            completed_moment = (
                store.now()
                if completed_since == "now"
                else _parse_time(completed_since, "completed_since")
            )
        tasks = [
            t
            for t in self.world.tasks.values()
            if project_gid in t.project_gids
            and (since_moment is None or t.modified_at >= since_moment)
            and (
                completed_moment is None
                or not t.completed
                or (t.completed_at is not None and t.completed_at >= completed_moment)
            )
        ]
        return self._page(request, "task", [store.task_json(t, self.world) for t in tasks])

    async def get_task(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/gettask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        return self._respond(request, "task", store.task_json(task, self.world))

    async def delete_task(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/deletetask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        self.events.emit(task, [task_event(task, "deleted", self._user(request))])
        del self.world.tasks[task.gid]
        return json_response({"data": {}})

    def _user(self, request: web.Request) -> store.User:
        return self.world.users[request[USER_GID]]

    async def create_task(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createtask
        data = await self._data(request)
        task = self.add_task(data, self._user(request))
        return self._respond(request, "task", store.task_json(task, self.world), status=201)

    def add_task(self, data: dict[str, Any], user: store.User) -> store.Task:
        """Create a task from a request's data as `user`, sending the "added" events."""
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
            task_event(task, "added", user, parent=("project", gid, self.world.projects[gid].name))
            for gid in task.project_gids
        ]
        self.events.emit(task, events)
        return task

    async def update_task(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/updatetask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        data = await self._data(request)
        changed = self.apply_changes(task, data)
        self.emit_changes(task, changed, request[USER_GID])
        return self._respond(request, "task", store.task_json(task, self.world))

    def apply_changes(self, task: store.Task, data: dict[str, Any]) -> list[dict[str, Any]]:
        """Apply a task update; returns Asana's change object for each changed field."""
        # Reference: https://developers.asana.com/reference/events (change: field, action,
        # new_value only when the new value is an Asana resource)
        # Documented fields the sandbox does not model (assignee, due_on...) are accepted and
        # ignored; a name Asana does not know is refused, as Asana does.
        unknown = set(data) - DOCUMENTED_FIELDS["task"] - {"projects", "workspace", "parent"}
        if unknown:
            raise AsanaError(400, f"{sorted(unknown)[0]}: Unknown property")
        # Everything is checked before anything changes: an update is all or nothing.
        for key in ("name", "notes"):
            if key in data and not isinstance(data[key], str):
                raise AsanaError(400, f"{key}: Value is not a string")
        if "completed" in data and not isinstance(data["completed"], bool):
            raise AsanaError(400, "completed: Not a boolean")
        if data.get("custom_fields"):
            self._custom_field_values(task, data["custom_fields"])
        changed: list[dict[str, Any]] = []
        for key in ("name", "notes"):
            if key in data and data[key] != getattr(task, key):
                setattr(task, key, data[key])
                changed.append({"field": key, "action": "changed"})
        if "completed" in data:
            completed = data["completed"]
            if completed != task.completed:
                task.completed = completed
                task.completed_at = store.now() if completed else None
                changed.append({"field": "completed", "action": "changed"})
        if data.get("custom_fields"):
            for custom_field in self._apply_custom_fields(task, data["custom_fields"]):
                value = store.custom_field_value_json(
                    custom_field, task.custom_values.get(custom_field.gid), self.world
                )
                value.pop("enum_options", None)
                changed.append({"field": "custom_fields", "action": "changed", "new_value": value})
        if changed:
            task.modified_at = store.now()
        return changed

    def _apply_custom_fields(self, task: store.Task, values: Any) -> list[store.CustomField]:
        """Set custom field values; returns the fields whose value changed."""
        changed = []
        for custom_field, value in self._custom_field_values(task, values):
            if task.custom_values.get(custom_field.gid) != value:
                task.custom_values[custom_field.gid] = value
                changed.append(custom_field)
        return changed

    def _custom_field_values(self, task: store.Task, values: Any) -> list[tuple[Any, Any]]:
        """Each (field, stored value) a custom_fields object asks for, all checked first."""
        # Reference: https://developers.asana.com/reference/updatetask (custom_fields object)
        if not isinstance(values, dict):
            raise AsanaError(400, "custom_fields: Value must be an object")
        allowed = {f.gid: f for f in self.world.task_fields(task)}
        checked = []
        for field_gid, value in values.items():
            custom_field = allowed.get(field_gid)
            if custom_field is None:
                raise AsanaError(
                    400, f"custom_fields: Custom field with ID {field_gid} is not on given object"
                )
            checked.append((custom_field, self._check_value(custom_field, value)))
        return checked

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

    def emit_changes(
        self, task: store.Task, changes: list[dict[str, Any]], user_gid: str | None
    ) -> None:
        user = self.world.users.get(user_gid) if user_gid else None
        self.events.emit(task, [task_event(task, "changed", user, change=c) for c in changes])

    def edit_task(self, task_gid: str, *, by_user_gid: str | None = None, **changes: Any) -> None:
        """Change a task the way a person in Asana's UI would, sending the webhooks it causes."""
        task = self.world.tasks[task_gid]
        self.emit_changes(task, self.apply_changes(task, changes), by_user_gid)

    async def list_stories(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/getstoriesfortask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        records = [store.story_json(s, task, self.world) for s in task.stories]
        return self._page(request, "story", records)

    async def create_story(self, request: web.Request) -> web.Response:
        # Reference: https://developers.asana.com/reference/createstoryfortask
        task = self._find(self.world.tasks, request.match_info["gid"], "task")
        data = await self._data(request)
        text = str(data.get("text") or "")
        if not text and not data.get("html_text"):
            raise AsanaError(400, "text: Missing input")
        story = store.Story(store.new_gid(), text, store.now(), request[USER_GID])
        task.stories.append(story)
        self.events.emit(task, [story_event(story, task, self._user(request))])
        return self._respond(
            request, "story", store.story_json(story, task, self.world), status=201
        )


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AsanaError(400, f"{name}: Not a valid date-time: {value}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
