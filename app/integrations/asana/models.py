"""Typed views of the Asana objects the pipeline reads, parsed from the API's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.integrations.errors import UnexpectedResponse


def parse_asana_time(value: str | None) -> datetime | None:
    """Read an Asana timestamp (ISO 8601, UTC, e.g. `2012-02-22T02:06:58.147Z`)."""
    # Reference: https://developers.asana.com/docs/input-output-options (dates and times)
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _required(record: dict[str, Any], key: str, kind: str) -> Any:
    try:
        return record[key]
    except (KeyError, TypeError):
        raise UnexpectedResponse(f"{kind} record has no {key!r}", service="asana") from None


@dataclass(frozen=True)
class EnumOption:
    gid: str
    name: str
    enabled: bool = True
    color: str | None = None

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> EnumOption:
        return cls(
            gid=_required(record, "gid", "enum_option"),
            name=record.get("name", ""),
            enabled=record.get("enabled", True),
            color=record.get("color"),
        )


@dataclass(frozen=True)
class CustomFieldValue:
    """A custom field as it appears on a task, with the value the task holds."""

    gid: str
    name: str
    subtype: str  # text, enum, multi_enum, number, date, people
    enum_value: EnumOption | None
    multi_enum_values: tuple[EnumOption, ...]
    display_value: str | None
    text_value: str | None
    number_value: float | None

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> CustomFieldValue:
        enum_value = record.get("enum_value")
        return cls(
            gid=_required(record, "gid", "custom_field"),
            name=record.get("name", ""),
            subtype=record.get("resource_subtype") or record.get("type") or "",
            enum_value=EnumOption.from_json(enum_value) if enum_value else None,
            multi_enum_values=tuple(
                EnumOption.from_json(option) for option in record.get("multi_enum_values") or ()
            ),
            display_value=record.get("display_value"),
            text_value=record.get("text_value"),
            number_value=record.get("number_value"),
        )


@dataclass(frozen=True)
class Membership:
    """A project the task belongs to, and the section it sits in there."""

    project_gid: str
    project_name: str
    section_gid: str | None
    section_name: str | None

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Membership:
        project = record.get("project") or {}
        section = record.get("section") or {}
        return cls(
            project_gid=project.get("gid", ""),
            project_name=project.get("name", ""),
            section_gid=section.get("gid"),
            section_name=section.get("name"),
        )


@dataclass(frozen=True)
class Task:
    gid: str
    name: str
    notes: str
    completed: bool
    modified_at: datetime | None
    permalink_url: str
    memberships: tuple[Membership, ...]
    custom_fields: tuple[CustomFieldValue, ...]

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Task:
        return cls(
            gid=_required(record, "gid", "task"),
            name=record.get("name", ""),
            notes=record.get("notes", ""),
            completed=bool(record.get("completed", False)),
            modified_at=parse_asana_time(record.get("modified_at")),
            permalink_url=record.get("permalink_url", ""),
            memberships=tuple(Membership.from_json(m) for m in record.get("memberships") or ()),
            custom_fields=tuple(
                CustomFieldValue.from_json(f) for f in record.get("custom_fields") or ()
            ),
        )

    def custom_field(self, field_gid: str) -> CustomFieldValue | None:
        """The task's value for one custom field, or None when the field is not on the task."""
        return next((f for f in self.custom_fields if f.gid == field_gid), None)


@dataclass(frozen=True)
class Story:
    gid: str
    text: str
    created_at: datetime | None

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Story:
        return cls(
            gid=_required(record, "gid", "story"),
            text=record.get("text", ""),
            created_at=parse_asana_time(record.get("created_at")),
        )


@dataclass(frozen=True)
class Workspace:
    gid: str
    name: str

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Workspace:
        return cls(gid=_required(record, "gid", "workspace"), name=record.get("name", ""))


@dataclass(frozen=True)
class Project:
    gid: str
    name: str
    archived: bool = False
    workspace_gid: str | None = None

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Project:
        return cls(
            gid=_required(record, "gid", "project"),
            name=record.get("name", ""),
            archived=bool(record.get("archived", False)),
            workspace_gid=(record.get("workspace") or {}).get("gid"),
        )


@dataclass(frozen=True)
class CustomField:
    """A custom field definition, with every enum option (disabled ones included)."""

    gid: str
    name: str
    subtype: str
    enum_options: tuple[EnumOption, ...]

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> CustomField:
        return cls(
            gid=_required(record, "gid", "custom_field"),
            name=record.get("name", ""),
            subtype=record.get("resource_subtype") or record.get("type") or "",
            enum_options=tuple(EnumOption.from_json(o) for o in record.get("enum_options") or ()),
        )


@dataclass(frozen=True)
class Webhook:
    gid: str
    resource_gid: str
    resource_name: str
    target: str
    active: bool
    filters: tuple[dict[str, Any], ...]
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_failure_content: str

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Webhook:
        resource = record.get("resource") or {}
        return cls(
            gid=_required(record, "gid", "webhook"),
            resource_gid=resource.get("gid", ""),
            resource_name=resource.get("name", ""),
            target=record.get("target", ""),
            active=bool(record.get("active", False)),
            filters=tuple(record.get("filters") or ()),
            last_success_at=parse_asana_time(record.get("last_success_at")),
            last_failure_at=parse_asana_time(record.get("last_failure_at")),
            last_failure_content=record.get("last_failure_content") or "",
        )


@dataclass(frozen=True)
class User:
    """The person a token belongs to."""

    gid: str
    name: str
    email: str

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> User:
        return cls(
            gid=_required(record, "gid", "user"),
            name=record.get("name", ""),
            email=record.get("email") or "",
        )
