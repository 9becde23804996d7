"""/api/v1: the project's docs links, contacts and knowledge notes.

Each call goes through the same `app.services.knowledge` functions as the settings and
knowledge pages; a PATCH fills the fields it does not send from the stored item, then saves the
whole item through the same check.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response
from quart_schema import tag_blueprint, validate_request, validate_response

from app.api.auth import token_required
from app.api.common import ID, PROJECT_URL, acting_user, project, refused
from app.api.errors import ApiProblem, not_utf8
from app.api.schemas import (
    ContactCreate,
    ContactList,
    ContactOut,
    ContactUpdate,
    LinkCreate,
    LinkList,
    LinkOut,
    LinkUpdate,
    NoteCreate,
    NoteList,
    NoteOut,
    NoteUpdate,
)
from app.services import knowledge
from app.services.knowledge import Contact, KnowledgeProblem, Link, Note

blueprint = Blueprint("api_knowledge", __name__, url_prefix=PROJECT_URL)
tag_blueprint(blueprint, ["knowledge"])
blueprint.register_error_handler(UnicodeDecodeError, not_utf8)


def _missing(kind: str) -> ApiProblem:
    return ApiProblem(404, f"No such {kind} in this project.")


def _changes(data: Any) -> dict[str, Any]:
    """The fields a PATCH sent; null means "leave as it is", like a field left out."""
    return {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}


# -- links ------------------------------------------------------------------------------------


def _link_out(link: Link) -> LinkOut:
    return LinkOut(id=link.id, kind=link.kind, url=link.url, title=link.title, tags=list(link.tags))


def _link_form(values: dict[str, Any]) -> dict[str, str]:
    # The service reads the settings form, where tags are one comma-separated field.
    return {**values, "tags": ",".join(values.get("tags") or [])}


@blueprint.get("/links")
@token_required
@validate_response(LinkList)
async def list_links(slug: str) -> LinkList:
    """List the docs links."""
    return LinkList(items=[_link_out(x) for x in await knowledge.list_links(project().id)])


@blueprint.post("/links")
@token_required
@validate_request(LinkCreate)
@validate_response(LinkOut, 201)
async def create_link(slug: str, data: LinkCreate) -> tuple[LinkOut, int]:
    """Add a docs link."""
    try:
        link = await knowledge.add_link(project().id, _link_form(data.model_dump()))
    except KnowledgeProblem as problem:
        raise refused(problem.errors) from None
    return _link_out(link), 201


@blueprint.get(f"/links/<{ID}:link_id>")
@token_required
@validate_response(LinkOut)
async def get_link(slug: str, link_id: int) -> LinkOut:
    """Read one docs link."""
    link = await knowledge.get_link(project().id, link_id)
    if link is None:
        raise _missing("link")
    return _link_out(link)


@blueprint.patch(f"/links/<{ID}:link_id>")
@token_required
@validate_request(LinkUpdate)
@validate_response(LinkOut)
async def update_link(slug: str, link_id: int, data: LinkUpdate) -> LinkOut:
    """Change a docs link; fields left out keep their value."""
    current = await knowledge.get_link(project().id, link_id)
    if current is None:
        raise _missing("link")
    values = {**_link_out(current).model_dump(exclude={"id"}), **_changes(data)}
    try:
        await knowledge.update_link(project().id, link_id, _link_form(values))
    except KnowledgeProblem as problem:
        raise refused(problem.errors) from None
    return _link_out(await knowledge.get_link(project().id, link_id) or current)


@blueprint.delete(f"/links/<{ID}:link_id>")
@token_required
async def delete_link(slug: str, link_id: int) -> Response:
    """Delete a docs link."""
    if not await knowledge.delete_link(project().id, link_id):
        raise _missing("link")
    return Response(status=204)


# -- contacts ---------------------------------------------------------------------------------


def _contact_out(contact: Contact) -> ContactOut:
    return ContactOut(id=contact.id, role=contact.role, name=contact.name, handle=contact.handle)


@blueprint.get("/contacts")
@token_required
@validate_response(ContactList)
async def list_contacts(slug: str) -> ContactList:
    """List the contacts."""
    return ContactList(items=[_contact_out(x) for x in await knowledge.list_contacts(project().id)])


@blueprint.post("/contacts")
@token_required
@validate_request(ContactCreate)
@validate_response(ContactOut, 201)
async def create_contact(slug: str, data: ContactCreate) -> tuple[ContactOut, int]:
    """Add a contact."""
    try:
        contact = await knowledge.add_contact(project().id, data.model_dump())
    except KnowledgeProblem as problem:
        raise refused(problem.errors) from None
    return _contact_out(contact), 201


@blueprint.get(f"/contacts/<{ID}:contact_id>")
@token_required
@validate_response(ContactOut)
async def get_contact(slug: str, contact_id: int) -> ContactOut:
    """Read one contact."""
    contact = await knowledge.get_contact(project().id, contact_id)
    if contact is None:
        raise _missing("contact")
    return _contact_out(contact)


@blueprint.patch(f"/contacts/<{ID}:contact_id>")
@token_required
@validate_request(ContactUpdate)
@validate_response(ContactOut)
async def update_contact(slug: str, contact_id: int, data: ContactUpdate) -> ContactOut:
    """Change a contact; fields left out keep their value."""
    current = await knowledge.get_contact(project().id, contact_id)
    if current is None:
        raise _missing("contact")
    values = {**_contact_out(current).model_dump(exclude={"id"}), **_changes(data)}
    try:
        await knowledge.update_contact(project().id, contact_id, values)
    except KnowledgeProblem as problem:
        raise refused(problem.errors) from None
    return _contact_out(await knowledge.get_contact(project().id, contact_id) or current)


@blueprint.delete(f"/contacts/<{ID}:contact_id>")
@token_required
async def delete_contact(slug: str, contact_id: int) -> Response:
    """Delete a contact."""
    if not await knowledge.delete_contact(project().id, contact_id):
        raise _missing("contact")
    return Response(status=204)


# -- notes ------------------------------------------------------------------------------------


def _note_out(note: Note) -> NoteOut:
    return NoteOut(
        id=note.id,
        title=note.title,
        markdown=note.markdown,
        html=note.html,
        updated_at=note.updated_at,
    )


@blueprint.get("/notes")
@token_required
@validate_response(NoteList)
async def list_notes(slug: str) -> NoteList:
    """List the knowledge notes."""
    return NoteList(items=[_note_out(x) for x in await knowledge.list_notes(project().id)])


@blueprint.post("/notes")
@token_required
@validate_request(NoteCreate)
@validate_response(NoteOut, 201)
async def create_note(slug: str, data: NoteCreate) -> tuple[NoteOut, int]:
    """Add a knowledge note (markdown; raw HTML is not rendered)."""
    try:
        note = await knowledge.add_note(project().id, data.model_dump(), acting_user())
    except KnowledgeProblem as problem:
        raise refused(problem.errors) from None
    return _note_out(note), 201


@blueprint.get(f"/notes/<{ID}:note_id>")
@token_required
@validate_response(NoteOut)
async def get_note(slug: str, note_id: int) -> NoteOut:
    """Read one knowledge note."""
    note = await knowledge.get_note(project().id, note_id)
    if note is None:
        raise _missing("note")
    return _note_out(note)


@blueprint.patch(f"/notes/<{ID}:note_id>")
@token_required
@validate_request(NoteUpdate)
@validate_response(NoteOut)
async def update_note(slug: str, note_id: int, data: NoteUpdate) -> NoteOut:
    """Change a knowledge note; fields left out keep their value."""
    current = await knowledge.get_note(project().id, note_id)
    if current is None:
        raise _missing("note")
    values = {"title": current.title, "markdown": current.markdown, **_changes(data)}
    try:
        await knowledge.update_note(project().id, note_id, values, acting_user())
    except KnowledgeProblem as problem:
        raise refused(problem.errors) from None
    return _note_out(await knowledge.get_note(project().id, note_id) or current)


@blueprint.delete(f"/notes/<{ID}:note_id>")
@token_required
async def delete_note(slug: str, note_id: int) -> Response:
    """Delete a knowledge note."""
    if not await knowledge.delete_note(project().id, note_id):
        raise _missing("note")
    return Response(status=204)
