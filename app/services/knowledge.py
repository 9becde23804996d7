"""Links, contacts and markdown notes of a project, and rendering markdown safely.

Markdown is parsed by markdown-it-py with raw HTML turned off, and its output goes through nh3
(the ammonia sanitizer) with an allow-list of tags, attributes and URL schemes: a `<script>`, an
`onerror=` or a `javascript:` link cannot survive either step.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

from app.services.text import storable
from app.tables import ProjectContact, ProjectKnowledgeNote, ProjectLink

LINK_KINDS = ("docs", "runbook", "design", "dashboard", "repo", "other")
MAX_TITLE = 200
MAX_URL = 2000
MAX_TAGS = 10
MAX_NOTE_BYTES = 100_000
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers: a larger one can name nothing

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
    "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


class KnowledgeProblem(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to insert into a page."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


@dataclass(frozen=True)
class Link:
    id: int
    kind: str
    url: str
    title: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Contact:
    id: int
    role: str
    name: str
    handle: str


@dataclass(frozen=True)
class Note:
    id: int
    title: str
    markdown: str
    updated_at: dt.datetime

    @property
    def html(self) -> str:
        return render_markdown(self.markdown)


def _text(form: dict, name: str, label: str, errors: dict, *, required=True, limit=MAX_TITLE):
    value = (form.get(name) or "").strip()
    if required and not value:
        errors[name] = f"{label} is required."
    elif len(value) > limit:
        errors[name] = f"Keep {label.lower()} under {limit} characters."
    elif not storable(value):
        errors[name] = f"{label} holds a character that cannot be stored (NUL or a lone surrogate)."
    return value


def _known_id(item_id: int) -> bool:
    return 0 < item_id <= MAX_ID


def parse_link(form: dict) -> dict:
    errors: dict[str, str] = {}
    kind = (form.get("kind") or "docs").strip()
    if kind not in LINK_KINDS:
        errors["kind"] = f"Choose one of: {', '.join(LINK_KINDS)}."
    url = _text(form, "url", "URL", errors, limit=MAX_URL)
    if url and "url" not in errors:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = "Use an http:// or https:// address."
    title = _text(form, "title", "Title", errors)
    tags = [t.lower() for t in re.split(r"[\s,]+", form.get("tags") or "") if t]
    tags = list(dict.fromkeys(tags))
    if len(tags) > MAX_TAGS or any(len(t) > 40 or not storable(t) for t in tags):
        errors["tags"] = f"At most {MAX_TAGS} tags of up to 40 characters."
    if errors:
        raise KnowledgeProblem(errors)
    return {"kind": kind, "url": url, "title": title, "tags": ",".join(tags)}


def parse_contact(form: dict) -> dict:
    errors: dict[str, str] = {}
    role = _text(form, "role", "Role", errors, limit=100)
    name = _text(form, "name", "Name", errors)
    handle = _text(form, "handle", "Handle", errors, required=False)
    if errors:
        raise KnowledgeProblem(errors)
    return {"role": role, "name": name, "handle": handle}


def parse_note(form: dict) -> dict:
    errors: dict[str, str] = {}
    title = _text(form, "title", "Title", errors)
    markdown = (form.get("markdown") or "").replace("\r\n", "\n")
    if not markdown.strip():
        errors["markdown"] = "Write the note."
    elif not storable(markdown):
        errors["markdown"] = "The note holds a character that cannot be stored."
    elif len(markdown.encode()) > MAX_NOTE_BYTES:
        errors["markdown"] = f"Keep a note under {MAX_NOTE_BYTES // 1000} kB."
    if errors:
        raise KnowledgeProblem(errors)
    return {"title": title, "markdown": markdown}


# -- links ------------------------------------------------------------------------------------


def _link(r: dict) -> Link:
    return Link(
        r["id"], r["kind"], r["url"], r["title"], tuple(t for t in r["tags"].split(",") if t)
    )


async def list_links(project_id: int) -> list[Link]:
    rows = (
        await ProjectLink.select().where(ProjectLink.project == project_id).order_by(ProjectLink.id)
    )
    return [_link(r) for r in rows]


async def get_link(project_id: int, link_id: int) -> Link | None:
    if not _known_id(link_id):
        return None
    row = (
        await ProjectLink.select()
        .where((ProjectLink.id == link_id) & (ProjectLink.project == project_id))
        .first()
    )
    return _link(row) if row else None


async def add_link(project_id: int, form: dict) -> Link:
    rows = await ProjectLink.insert(ProjectLink(project=project_id, **parse_link(form))).returning(
        *ProjectLink.all_columns()
    )
    return _link(rows[0])


async def update_link(project_id: int, link_id: int, form: dict) -> bool:
    values = parse_link(form)
    if not _known_id(link_id):
        return False
    updated = (
        await ProjectLink.update({getattr(ProjectLink, k): v for k, v in values.items()})
        .where((ProjectLink.id == link_id) & (ProjectLink.project == project_id))
        .returning(ProjectLink.id)
    )
    return bool(updated)


async def delete_link(project_id: int, link_id: int) -> bool:
    if not _known_id(link_id):
        return False
    deleted = (
        await ProjectLink.delete()
        .where((ProjectLink.id == link_id) & (ProjectLink.project == project_id))
        .returning(ProjectLink.id)
    )
    return bool(deleted)


# -- contacts ---------------------------------------------------------------------------------


async def list_contacts(project_id: int) -> list[Contact]:
    rows = (
        await ProjectContact.select()
        .where(ProjectContact.project == project_id)
        .order_by(ProjectContact.id)
    )
    return [Contact(r["id"], r["role"], r["name"], r["handle"]) for r in rows]


async def get_contact(project_id: int, contact_id: int) -> Contact | None:
    if not _known_id(contact_id):
        return None
    r = (
        await ProjectContact.select()
        .where((ProjectContact.id == contact_id) & (ProjectContact.project == project_id))
        .first()
    )
    return Contact(r["id"], r["role"], r["name"], r["handle"]) if r else None


async def add_contact(project_id: int, form: dict) -> Contact:
    rows = await ProjectContact.insert(
        ProjectContact(project=project_id, **parse_contact(form))
    ).returning(*ProjectContact.all_columns())
    r = rows[0]
    return Contact(r["id"], r["role"], r["name"], r["handle"])


async def update_contact(project_id: int, contact_id: int, form: dict) -> bool:
    values = parse_contact(form)
    if not _known_id(contact_id):
        return False
    updated = (
        await ProjectContact.update({getattr(ProjectContact, k): v for k, v in values.items()})
        .where((ProjectContact.id == contact_id) & (ProjectContact.project == project_id))
        .returning(ProjectContact.id)
    )
    return bool(updated)


async def delete_contact(project_id: int, contact_id: int) -> bool:
    if not _known_id(contact_id):
        return False
    deleted = (
        await ProjectContact.delete()
        .where((ProjectContact.id == contact_id) & (ProjectContact.project == project_id))
        .returning(ProjectContact.id)
    )
    return bool(deleted)


# -- notes ------------------------------------------------------------------------------------


async def list_notes(project_id: int) -> list[Note]:
    rows = (
        await ProjectKnowledgeNote.select()
        .where(ProjectKnowledgeNote.project == project_id)
        .order_by(ProjectKnowledgeNote.id)
    )
    return [Note(r["id"], r["title"], r["markdown"], r["updated_at"]) for r in rows]


async def get_note(project_id: int, note_id: int) -> Note | None:
    if not _known_id(note_id):
        return None
    r = (
        await ProjectKnowledgeNote.select()
        .where((ProjectKnowledgeNote.id == note_id) & (ProjectKnowledgeNote.project == project_id))
        .first()
    )
    return Note(r["id"], r["title"], r["markdown"], r["updated_at"]) if r else None


async def add_note(project_id: int, form: dict, by_user: int | None) -> Note:
    rows = await ProjectKnowledgeNote.insert(
        ProjectKnowledgeNote(project=project_id, updated_by=by_user, **parse_note(form))
    ).returning(*ProjectKnowledgeNote.all_columns())
    r = rows[0]
    return Note(r["id"], r["title"], r["markdown"], r["updated_at"])


async def update_note(project_id: int, note_id: int, form: dict, by_user: int | None) -> bool:
    values = parse_note(form)
    if not _known_id(note_id):
        return False
    updated = (
        await ProjectKnowledgeNote.update(
            {
                ProjectKnowledgeNote.title: values["title"],
                ProjectKnowledgeNote.markdown: values["markdown"],
                ProjectKnowledgeNote.updated_by: by_user,
                ProjectKnowledgeNote.updated_at: dt.datetime.now(dt.UTC),
            }
        )
        .where((ProjectKnowledgeNote.id == note_id) & (ProjectKnowledgeNote.project == project_id))
        .returning(ProjectKnowledgeNote.id)
    )
    return bool(updated)


async def delete_note(project_id: int, note_id: int) -> bool:
    if not _known_id(note_id):
        return False
    deleted = (
        await ProjectKnowledgeNote.delete()
        .where((ProjectKnowledgeNote.id == note_id) & (ProjectKnowledgeNote.project == project_id))
        .returning(ProjectKnowledgeNote.id)
    )
    return bool(deleted)
