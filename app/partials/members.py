"""HTMX fragments of the members page: invite, change role, remove, revoke, refresh.

Every mutation needs the project admin role; the fragment answered is the same
`_members.html` the page includes. Without htmx (a plain form post) each route redirects back
to the page with a notice instead.
"""

from __future__ import annotations

from quart import Blueprint, Response, abort, current_app, g, redirect, request

from app.services import members
from app.services.members import MemberProblem
from app.services.projects import ProjectAccess, Role
from app.web.guards import login_required, project_for
from app.web.render import fragment, is_htmx, notice, page

blueprint = Blueprint("member_partials", __name__, url_prefix="/partials/p/<slug>")


async def _answer(
    access: ProjectAccess,
    *,
    toast: str | None = None,
    error: str | None = None,
    new_invite: str | None = None,
) -> Response:
    if not is_htmx() and new_invite is None:
        await notice(error or toast or "Done.", "error" if error else "ok")
        return redirect(f"/p/{access.slug}/members", 303)
    if not is_htmx():
        # The link is shown once: a redirect would lose it, so the whole page carries it.
        return await page(
            "members.html",
            section="members",
            access=access,
            members=await members.list_members(access.id),
            invites=await members.pending_invites(access.id),
            new_invite=new_invite,
            error=None,
        )
    return await fragment(
        "_members.html",
        status=422 if error else 200,
        toast=toast,
        access=access,
        members=await members.list_members(access.id),
        invites=await members.pending_invites(access.id) if access.is_admin else [],
        new_invite=new_invite,
        error=error,
    )


def _role(raw: str | None) -> Role:
    try:
        return Role(raw or "")
    except ValueError:
        abort(400, "Choose admin, editor or viewer.")


def _invite_url(token: str) -> str:
    return f"{current_app.config['AUTOFLOW_SETTINGS'].public_url}/invite/{token}"


@blueprint.get("/members")
@login_required
async def listing(slug: str) -> Response:
    return await _answer(await project_for(slug))


@blueprint.post("/invites")
@login_required
async def invite(slug: str) -> Response:
    access = await project_for(slug, Role.ADMIN)
    role = _role((await request.form).get("role"))
    token = await members.create_invite(access.id, role, g.session.user_id)
    return await _answer(
        access, toast=f"Invite link for a new {role} created.", new_invite=_invite_url(token)
    )


@blueprint.post("/invites/<id:invite_id>/revoke")
@login_required
async def revoke(slug: str, invite_id: int) -> Response:
    access = await project_for(slug, Role.ADMIN)
    if not await members.revoke_invite(access.id, invite_id):
        abort(404)
    return await _answer(access, toast="Invite revoked: its link no longer works.")


@blueprint.post("/members/<id:user_id>/role")
@login_required
async def change_role(slug: str, user_id: int) -> Response:
    access = await project_for(slug, Role.ADMIN)
    role = _role((await request.form).get("role"))
    try:
        await members.set_role(access.id, user_id, role)
    except MemberProblem as problem:
        return await _answer(access, error=str(problem))
    if user_id == g.session.user_id and role is not Role.ADMIN:
        # You demoted yourself: the page you are on is no longer yours to edit.
        access = await project_for(slug)
    return await _answer(access, toast=f"Role changed to {role}.")


@blueprint.post("/members/<id:user_id>/remove")
@login_required
async def remove(slug: str, user_id: int) -> Response:
    access = await project_for(slug, Role.ADMIN)
    try:
        await members.remove_member(access.id, user_id)
    except MemberProblem as problem:
        return await _answer(access, error=str(problem))
    if user_id == g.session.user_id:
        response = Response("", 200)
        response.headers["HX-Redirect"] = "/app"
        return response if is_htmx() else redirect("/app", 303)
    return await _answer(access, toast="Member removed.")
