"""The Asana sandbox's tasks and stories endpoints, and task changes with the events they cause.

A change made through the API (`update_task`) and one made as a person in Asana's UI would
(`edit_task`) go through the same `apply_changes` and send the same events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from app.sandbox import asana_store as store
from app.sandbox.asana_api import USER_GID, AsanaApi, AsanaError
from app.sandbox.asana_events import story_event, task_event


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

    def emit_changes(self, task: store.Task, fields: list[str], user_gid: str | None) -> None:
        self.events.emit(
            task, [task_event(task, "changed", user_gid, changed_field=f) for f in fields]
        )

    def edit_task(self, task_gid: str, *, by_user_gid: str | None = None, **changes: Any) -> None:
        """Change a task the way a person in Asana's UI would, sending the webhooks it causes."""
        task = self.world.tasks[task_gid]
        self.emit_changes(task, self.apply_changes(task, changes), by_user_gid)

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


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AsanaError(400, f"{name}: Not a valid date-time: {value}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
