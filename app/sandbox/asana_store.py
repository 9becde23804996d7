"""The Asana sandbox's in-memory world and how it is written out as Asana's JSON.

Records are plain dataclasses; `*_json` functions produce the full representation the real API
returns, and `select_fields` cuts it down to what `opt_fields` asked for, the way Asana does.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Asana gids are long numeric strings; starting high keeps them looking real.
_gids = itertools.count(1_208_000_000_000_001)

# Reference: https://developers.asana.com/reference/createenumoptionforcustomfield
# "Custom fields of type enum can have at most 500 enum options, including disabled options."
MAX_ENUM_OPTIONS = 500
# Reference: https://developers.asana.com/reference/custom-fields (no checkbox type exists)
CUSTOM_FIELD_SUBTYPES = ("text", "enum", "multi_enum", "number", "date", "people")


def new_gid() -> str:
    return str(next(_gids))


def now() -> datetime:
    return datetime.now(UTC)


def asana_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class User:
    gid: str
    name: str
    email: str


@dataclass
class Workspace:
    gid: str
    name: str


@dataclass
class EnumOption:
    gid: str
    name: str
    color: str = "none"
    enabled: bool = True


@dataclass
class CustomField:
    gid: str
    name: str
    subtype: str
    workspace_gid: str
    enum_options: list[EnumOption] = field(default_factory=list)

    def option(self, gid: str) -> EnumOption | None:
        return next((o for o in self.enum_options if o.gid == gid), None)

    def option_named(self, name: str) -> EnumOption | None:
        return next((o for o in self.enum_options if o.name == name), None)


@dataclass
class Section:
    gid: str
    name: str


@dataclass
class Project:
    gid: str
    name: str
    workspace_gid: str
    archived: bool = False
    custom_field_gids: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


@dataclass
class Story:
    gid: str
    text: str
    created_at: datetime
    author_gid: str


@dataclass
class Task:
    gid: str
    name: str
    notes: str
    workspace_gid: str
    project_gids: list[str]
    created_at: datetime
    modified_at: datetime
    completed: bool = False
    completed_at: datetime | None = None
    # field gid -> raw value: option gid, [option gids], text, number, {"date": ...}, [user gids]
    custom_values: dict[str, Any] = field(default_factory=dict)
    stories: list[Story] = field(default_factory=list)


@dataclass
class Webhook:
    gid: str
    resource_gid: str
    resource_type: str
    resource_name: str
    target: str
    filters: list[dict[str, Any]]
    secret: str
    owner_gid: str
    workspace_gid: str
    created_at: datetime
    active: bool = True
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure_content: str = ""


@dataclass
class AsanaWorld:
    """Everything the Asana sandbox knows; tests may read and seed it directly."""

    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> user gid
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    custom_fields: dict[str, CustomField] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    # events API sync token -> (resource gid, position in the event log)
    sync_tokens: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add_user(self, name: str, token: str | None = None) -> User:
        user = User(new_gid(), name, f"{name.lower().replace(' ', '.')}@example.com")
        self.users[user.gid] = user
        if token:
            self.tokens[token] = user.gid
        return user

    def add_workspace(self, name: str) -> Workspace:
        workspace = Workspace(new_gid(), name)
        self.workspaces[workspace.gid] = workspace
        return workspace

    def add_project(self, workspace_gid: str, name: str) -> Project:
        project = Project(new_gid(), name, workspace_gid, sections=[Section(new_gid(), "To do")])
        self.projects[project.gid] = project
        return project

    def add_custom_field(
        self, workspace_gid: str, name: str, subtype: str, options: tuple[str, ...] = ()
    ) -> CustomField:
        if subtype not in CUSTOM_FIELD_SUBTYPES:
            raise ValueError(f"Asana has no {subtype!r} custom field type")
        custom_field = CustomField(
            new_gid(), name, subtype, workspace_gid, [EnumOption(new_gid(), o) for o in options]
        )
        self.custom_fields[custom_field.gid] = custom_field
        return custom_field

    def attach_field(self, project_gid: str, field_gid: str) -> None:
        self.projects[project_gid].custom_field_gids.append(field_gid)

    def add_task(
        self,
        project_gid: str,
        name: str,
        notes: str = "",
        custom_values: dict[str, Any] | None = None,
    ) -> Task:
        moment = now()
        task = Task(
            new_gid(),
            name,
            notes,
            self.projects[project_gid].workspace_gid,
            [project_gid],
            moment,
            moment,
            custom_values=dict(custom_values or {}),
        )
        self.tasks[task.gid] = task
        return task

    def task_fields(self, task: Task) -> list[CustomField]:
        """The custom fields a task carries: those of every project it is in."""
        gids: dict[str, None] = {}
        for project_gid in task.project_gids:
            gids.update(dict.fromkeys(self.projects[project_gid].custom_field_gids))
        return [self.custom_fields[gid] for gid in gids]

    def resource(self, gid: str) -> tuple[str, str, str] | None:
        """(resource_type, name, workspace gid) of anything a webhook can watch."""
        if gid in self.tasks:
            task = self.tasks[gid]
            return "task", task.name, task.workspace_gid
        if gid in self.projects:
            project = self.projects[gid]
            return "project", project.name, project.workspace_gid
        if gid in self.workspaces:
            return "workspace", self.workspaces[gid].name, gid
        return None


# -- JSON representations ----------------------------------------------------------------------


def compact(gid: str, resource_type: str, name: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"gid": gid, "resource_type": resource_type}
    if name is not None:
        record["name"] = name
    return record


def enum_option_json(option: EnumOption) -> dict[str, Any]:
    return {
        "gid": option.gid,
        "resource_type": "enum_option",
        "name": option.name,
        "color": option.color,
        "enabled": option.enabled,
    }


def custom_field_json(custom_field: CustomField) -> dict[str, Any]:
    record: dict[str, Any] = {
        "gid": custom_field.gid,
        "resource_type": "custom_field",
        "name": custom_field.name,
        "type": custom_field.subtype,
        "resource_subtype": custom_field.subtype,
    }
    if custom_field.subtype in ("enum", "multi_enum"):
        record["enum_options"] = [enum_option_json(o) for o in custom_field.enum_options]
    return record


def custom_field_value_json(custom_field: CustomField, value: Any, world: AsanaWorld) -> dict:
    # Reference: https://developers.asana.com/reference/custom-fields (the value on a task)
    record = custom_field_json(custom_field)
    subtype = custom_field.subtype
    display: str | None = None
    if subtype == "enum":
        option = custom_field.option(value) if value else None
        record["enum_value"] = enum_option_json(option) if option else None
        display = option.name if option else None
    elif subtype == "multi_enum":
        options = [o for gid in value or () if (o := custom_field.option(gid))]
        record["multi_enum_values"] = [enum_option_json(o) for o in options]
        display = ", ".join(o.name for o in options) or None
    elif subtype == "text":
        record["text_value"] = value
        display = value
    elif subtype == "number":
        record["number_value"] = value
        display = None if value is None else f"{value:g}"
    elif subtype == "date":
        record["date_value"] = value
        display = value["date"] if value else None
    elif subtype == "people":
        people = [world.users[gid] for gid in value or () if gid in world.users]
        record["people_value"] = [compact(u.gid, "user", u.name) for u in people]
        display = ", ".join(u.name for u in people) or None
    record["display_value"] = display
    return record


def task_json(task: Task, world: AsanaWorld) -> dict[str, Any]:
    projects = [world.projects[gid] for gid in task.project_gids]
    first_project = projects[0].gid if projects else "0"
    return {
        "gid": task.gid,
        "resource_type": "task",
        "resource_subtype": "default_task",
        "name": task.name,
        "notes": task.notes,
        "completed": task.completed,
        "completed_at": asana_time(task.completed_at),
        "created_at": asana_time(task.created_at),
        "modified_at": asana_time(task.modified_at),
        "permalink_url": f"https://app.asana.com/0/{first_project}/{task.gid}",
        "workspace": compact(
            task.workspace_gid, "workspace", world.workspaces[task.workspace_gid].name
        ),
        "projects": [compact(p.gid, "project", p.name) for p in projects],
        "memberships": [
            {
                "project": compact(p.gid, "project", p.name),
                "section": compact(p.sections[0].gid, "section", p.sections[0].name),
            }
            for p in projects
        ],
        "custom_fields": [
            custom_field_value_json(f, task.custom_values.get(f.gid), world)
            for f in world.task_fields(task)
        ],
    }


def story_json(story: Story, task: Task, world: AsanaWorld) -> dict[str, Any]:
    author = world.users[story.author_gid]
    return {
        "gid": story.gid,
        "resource_type": "story",
        "resource_subtype": "comment_added",
        "type": "comment",
        "text": story.text,
        "created_at": asana_time(story.created_at),
        "created_by": compact(author.gid, "user", author.name),
        "target": compact(task.gid, "task", task.name),
    }


def webhook_json(webhook: Webhook) -> dict[str, Any]:
    return {
        "gid": webhook.gid,
        "resource_type": "webhook",
        "resource": compact(webhook.resource_gid, webhook.resource_type, webhook.resource_name),
        "target": webhook.target,
        "active": webhook.active,
        "created_at": asana_time(webhook.created_at),
        "filters": webhook.filters,
        "last_success_at": asana_time(webhook.last_success_at),
        "last_failure_at": asana_time(webhook.last_failure_at),
        "last_failure_content": webhook.last_failure_content,
    }


def select_fields(record: Any, opt_fields: str | None, *, compact_default: bool) -> Any:
    """Cut a full record down to what `opt_fields` asked for, as Asana does.

    Without opt_fields a list endpoint returns the compact form (gid, resource_type, name) and a
    single-object endpoint the full form. With opt_fields, each object keeps its gid plus exactly
    the dotted paths requested; a nested object asked for as a whole comes back compact.
    """
    # Reference: https://developers.asana.com/docs/inputoutput-options
    if not opt_fields:
        return _compact_form(record) if compact_default else record
    paths = [p.split(".") for p in opt_fields.split(",") if p.strip()]
    return _select(record, paths)


def _compact_form(value: Any) -> Any:
    if isinstance(value, list):
        return [_compact_form(v) for v in value]
    if isinstance(value, dict) and "gid" in value:
        keys = ("gid", "resource_type", "name", "resource_subtype")
        return {k: value[k] for k in keys if k in value}
    return value


def _select(value: Any, paths: list[list[str]]) -> Any:
    if isinstance(value, list):
        return [_select(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    selected: dict[str, Any] = {"gid": value["gid"]} if "gid" in value else {}
    by_key: dict[str, list[list[str]]] = defaultdict(list)
    for path in paths:
        by_key[path[0].strip()].append(path[1:])
    for key, rests in by_key.items():
        if key not in value:
            continue
        deeper = [rest for rest in rests if rest]
        if deeper:
            selected[key] = _select(value[key], deeper)
        else:
            selected[key] = _compact_form(value[key])
    return selected
