"""The JSON bodies of /api/v1, as pydantic models: quart-schema validates requests with them
and builds the OpenAPI document from them.

The models check types and shapes only. The rules (lengths, URL schemes, gid and repository
formats, how many repositories) stay in the services the settings pages use, and come back as
a 400 naming the field; enumerations are taken from the services' own constants.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.services.knowledge import LINK_KINDS

LinkKind = Literal[LINK_KINDS]  # type: ignore[valid-type]


class Strict(BaseModel):
    """A request body: unknown fields are refused, so a typo cannot pass silently."""

    model_config = ConfigDict(extra="forbid", strict=True)


# -- the project ------------------------------------------------------------------------------


class ProjectOut(BaseModel):
    """The project this token belongs to."""

    slug: str
    name: str


class ProjectUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"name": "Acme"}]}
    )
    name: str = Field(description="The display name (the slug never changes).")


# -- GitHub repositories ----------------------------------------------------------------------


class RepoOut(BaseModel):
    """A GitHub repository of the project."""

    full_name: str = Field(description="owner/repo")
    is_default: bool


class RepoList(BaseModel):
    """The project's repositories, the default first."""

    items: list[RepoOut]


class RepoCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"full_name": "acme/api"}]}
    )
    full_name: str = Field(description="owner/repo; checked with GitHub when a token is saved")
    is_default: bool = False


class RepoUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"is_default": True}]}
    )
    is_default: Literal[True] = Field(
        description="Make this the default repository (the former default stays listed)."
    )


class ReposReplace(Strict):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{"repos": ["acme/api", "acme/web", "acme/ops"], "default": "acme/api"}]
        },
    )
    repos: list[str] = Field(description="Every repository, as owner/repo.")
    default: str | None = Field(None, description="One of `repos`; the first when omitted.")


# -- Asana projects ---------------------------------------------------------------------------


class AsanaProjectOut(BaseModel):
    """An Asana project this tool project follows."""

    gid: str
    name: str = Field(description="As Asana named it when it was saved; empty when unknown.")


class AsanaProjectList(BaseModel):
    """The Asana projects, in the order they were given."""

    items: list[AsanaProjectOut]


class AsanaProjectCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"gid": "1203456789012345"}]}
    )
    gid: str = Field(description="An Asana project gid (digits).")


class AsanaProjectsReplace(Strict):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"gids": ["1203456789012345"]}]},
    )
    gids: list[str]


# -- links, contacts, notes -------------------------------------------------------------------


class LinkOut(BaseModel):
    """A docs link."""

    id: int
    kind: str
    url: str
    title: str
    tags: list[str]


class LinkList(BaseModel):
    """The project's docs links."""

    items: list[LinkOut]


LINK_EXAMPLE = {
    "kind": "runbook",
    "url": "https://docs.example.com/runbook",
    "title": "Runbook",
    "tags": ["ops"],
}


class LinkCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [LINK_EXAMPLE]}
    )
    kind: LinkKind = "docs"
    url: str = Field(description="http:// or https://")
    title: str
    tags: list[str] = Field(default_factory=list)


class LinkUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"title": "Ops"}]}
    )
    kind: LinkKind | None = None
    url: str | None = None
    title: str | None = None
    tags: list[str] | None = None


class ContactOut(BaseModel):
    """A person to ask about the project."""

    id: int
    role: str
    name: str
    handle: str


class ContactList(BaseModel):
    """The project's contacts."""

    items: list[ContactOut]


CONTACT_EXAMPLE = {"role": "Tech lead", "name": "Ada", "handle": "@ada"}


class ContactCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [CONTACT_EXAMPLE]}
    )
    role: str
    name: str
    handle: str = ""


class ContactUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"handle": "@ada"}]}
    )
    role: str | None = None
    name: str | None = None
    handle: str | None = None


class NoteOut(BaseModel):
    """A knowledge note: its markdown, and the same rendered to safe HTML."""

    id: int
    title: str
    markdown: str
    html: str
    updated_at: dt.datetime


class NoteList(BaseModel):
    """The project's knowledge notes."""

    items: list[NoteOut]


NOTE_EXAMPLE = {"title": "Conventions", "markdown": "Use **ruff** and pytest."}


class NoteCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [NOTE_EXAMPLE]}
    )
    title: str
    markdown: str


class NoteUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"title": "Style"}]}
    )
    title: str | None = None
    markdown: str | None = None
