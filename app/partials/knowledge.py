"""HTMX fragments for links, contacts and knowledge notes: inline add, edit and delete.

The same `_links.html`, `_contacts.html` and `_notes.html` are included by the settings and the
knowledge pages. Changing them needs the project admin role; reading needs membership.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from quart import Blueprint, Response, abort, g, redirect, request

from app.services import knowledge
from app.services.knowledge import KnowledgeProblem
from app.services.projects import ProjectAccess, Role
from app.web.guards import login_required, project_for
from app.web.inputs import parse_id
from app.web.render import fragment, is_htmx, notice

blueprint = Blueprint("knowledge_partials", __name__, url_prefix="/partials/p/<slug>")


async def links_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    return {
        "links": await knowledge.list_links(access.id),
        "link_kinds": knowledge.LINK_KINDS,
        "link_editing": None,
        "link_form": None,
        "link_errors": {},
        **extra,
    }


async def contacts_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    return {
        "contacts": await knowledge.list_contacts(access.id),
        "contact_editing": None,
        "contact_form": None,
        "contact_errors": {},
        **extra,
    }


async def notes_context(access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    return {
        "notes": await knowledge.list_notes(access.id),
        "note_editing": None,
        "note_form": None,
        "note_errors": {},
        **extra,
    }


# kind -> (template, context builder, page the region lives on for plain posts, singular)
KINDS: dict[str, tuple[str, Callable[..., Awaitable[dict[str, Any]]], str, str]] = {
    "links": ("_links.html", links_context, "settings", "link"),
    "contacts": ("_contacts.html", contacts_context, "settings", "contact"),
    "notes": ("_notes.html", notes_context, "knowledge", "note"),
}


async def _answer(
    access: ProjectAccess,
    kind: str,
    *,
    toast: str | None = None,
    error: str | None = None,
    **extra: Any,
) -> Response:
    template, build, page_name, _ = KINDS[kind]
    if not is_htmx():
        await notice(error or toast or "Saved.", "error" if error else "ok")
        return redirect(f"/p/{access.slug}/{page_name}#{kind}", 303)
    context = await build(access, **extra)
    return await fragment(
        template, status=422 if error else 200, toast=toast, access=access, **context
    )


def _editing(raw: str | None) -> int | str | None:
    if raw == "new":
        return "new"
    return parse_id(raw)


@blueprint.get("/<any(links, contacts, notes):kind>")
@login_required
async def region(slug: str, kind: str) -> Response:
    access = await project_for(slug)
    editing = _editing(request.args.get("edit"))
    if editing is not None:
        access = await project_for(slug, Role.ADMIN)
    singular = KINDS[kind][3]
    template, build, _, _ = KINDS[kind]
    context = await build(access, **{f"{singular}_editing": editing})
    return await fragment(template, access=access, **context)


async def _add(kind: str, project_id: int, form: dict) -> None:
    if kind == "links":
        await knowledge.add_link(project_id, form)
    elif kind == "contacts":
        await knowledge.add_contact(project_id, form)
    else:
        await knowledge.add_note(project_id, form, g.session.user_id)


async def _update(kind: str, project_id: int, item_id: int, form: dict) -> bool:
    if kind == "links":
        return await knowledge.update_link(project_id, item_id, form)
    if kind == "contacts":
        return await knowledge.update_contact(project_id, item_id, form)
    return await knowledge.update_note(project_id, item_id, form, g.session.user_id)


async def _delete(kind: str, project_id: int, item_id: int) -> bool:
    if kind == "links":
        return await knowledge.delete_link(project_id, item_id)
    if kind == "contacts":
        return await knowledge.delete_contact(project_id, item_id)
    return await knowledge.delete_note(project_id, item_id)


@blueprint.post("/<any(links, contacts, notes):kind>")
@login_required
async def add(slug: str, kind: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = dict((await request.form).items())
    singular = KINDS[kind][3]
    try:
        await _add(kind, access.id, form)
    except KnowledgeProblem as problem:
        return await _answer(
            access,
            kind,
            error=str(problem),
            **{
                f"{singular}_editing": "new",
                f"{singular}_form": form,
                f"{singular}_errors": problem.errors,
            },
        )
    return await _answer(access, kind, toast=f"{singular.title()} added.")


@blueprint.post("/<any(links, contacts, notes):kind>/<id:item_id>")
@login_required
async def update(slug: str, kind: str, item_id: int) -> Response:
    access = await project_for(slug, Role.ADMIN)
    form = dict((await request.form).items())
    singular = KINDS[kind][3]
    try:
        found = await _update(kind, access.id, item_id, form)
    except KnowledgeProblem as problem:
        return await _answer(
            access,
            kind,
            error=str(problem),
            **{
                f"{singular}_editing": item_id,
                f"{singular}_form": form,
                f"{singular}_errors": problem.errors,
            },
        )
    if not found:
        abort(404)
    return await _answer(access, kind, toast=f"{singular.title()} saved.")


@blueprint.post("/<any(links, contacts, notes):kind>/<id:item_id>/delete")
@login_required
async def delete(slug: str, kind: str, item_id: int) -> Response:
    access = await project_for(slug, Role.ADMIN)
    if not await _delete(kind, access.id, item_id):
        abort(404)
    return await _answer(access, kind, toast=f"{KINDS[kind][3].title()} deleted.")
