"""Project members, roles and invite links; only project admins change them."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth import throttle
from app.services.members import USERNAME_UNAVAILABLE
from app.services.projects import Role
from app.tables import Invite, ProjectMembership, User
from tests.conftest import PASSWORD


@pytest.fixture
async def cast(make_user, make_project, add_member):
    """A small cast: the project's admin, an editor, a viewer, and an outsider."""
    owner = await make_user("owner", is_admin=True)
    editor, viewer, outsider = (
        await make_user("editor"),
        await make_user("viewer"),
        await make_user("outsider"),
    )
    project = await make_project(owner, slug="acme", name="Acme")
    await add_member(project, editor, Role.EDITOR)
    await add_member(project, viewer, Role.VIEWER)
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "outsider": outsider,
        "project": project,
    }


async def _invite_link(browser, role: str = "editor") -> str:
    response = await browser.post("/partials/p/acme/invites", {"role": role}, htmx=True)
    assert response.status == 200
    return response.select_one("#invite-link")["value"]


async def test_an_admin_invites_someone_who_creates_an_account_and_joins(cast, signed_in, visitor):
    admin = await signed_in(cast["owner"])
    link = await _invite_link(admin, "viewer")
    assert link.startswith("http://127.0.0.1:8000/invite/")
    path = link.removeprefix("http://127.0.0.1:8000")

    newcomer = visitor()
    page = await newcomer.get(path)
    assert page.status == 200
    assert page.texts("h1") == ["Join Acme"]
    joined = await newcomer.post(
        path, {"username": "Lin", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert joined.status == 303 and joined.location == "/app"
    home = await newcomer.get("/app")
    assert home.texts("#projects .title-link") == ["Acme"]
    lin = await User.select(User.id).where(User.username == "lin").first()
    role = (
        await ProjectMembership.select(ProjectMembership.role)
        .where(ProjectMembership.user == lin["id"])
        .first()
    )
    assert role == {"role": "viewer"}


async def test_an_invite_works_only_once(cast, signed_in, visitor):
    link = await _invite_link(await signed_in(cast["owner"]))
    path = link.split("8000", 1)[1]
    first = visitor()
    await first.get(path)
    await first.post(
        path, {"username": "first", "password": PASSWORD, "password_confirm": PASSWORD}
    )

    second = visitor()
    page = await second.get(path)
    assert page.status == 410
    assert "already used" in page.texts(".auth-card p")[0]
    refused = await second.post(
        path, {"username": "second", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert refused.status == 410
    assert await User.count().where(User.username == "second") == 0


async def test_an_expired_invite_is_refused_with_a_clear_page(cast, signed_in, visitor):
    link = await _invite_link(await signed_in(cast["owner"]))
    await Invite.update(
        {Invite.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}, force=True
    )
    page = await visitor().get(link.split("8000", 1)[1])
    assert page.status == 410
    assert (
        page.texts(".auth-card p")[0]
        == "This invite has expired. Ask a project admin for a new link."
    )


async def test_a_forged_invite_is_refused(visitor):
    page = await visitor().get("/invite/not-a-real-token")
    assert page.status == 404
    assert "not valid" in page.texts(".auth-card p")[0]


async def test_an_invite_expires_after_seven_days(cast, signed_in):
    await _invite_link(await signed_in(cast["owner"]))
    invite = await Invite.select(Invite.created_at, Invite.expires_at).first()
    assert invite["expires_at"] - invite["created_at"] == dt.timedelta(days=7)


async def test_a_signed_in_user_joins_with_one_click(cast, signed_in, make_project):
    link = await _invite_link(await signed_in(cast["owner"]), "editor")
    path = link.split("8000", 1)[1]
    outsider = await signed_in(cast["outsider"])
    page = await outsider.get(path)
    assert page.select_one("main button[type=submit]").text.strip() == "Join as outsider"
    response = await outsider.post(path)
    assert response.status == 303
    assert (await outsider.get("/p/acme")).status == 200


async def test_accepting_an_invite_validates_the_new_account(cast, signed_in, visitor):
    link = await _invite_link(await signed_in(cast["owner"]))
    path = link.split("8000", 1)[1]
    browser = visitor()
    await browser.get(path)
    taken = await browser.post(
        path, {"username": "editor", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert taken.status == 400 and taken.texts(".form-error") == [USERNAME_UNAVAILABLE]
    # The failed attempt did not use up the invite.
    assert (await visitor().get(path)).status == 200


async def test_an_admin_changes_a_role_and_revokes_an_invite(cast, signed_in):
    admin = await signed_in(cast["owner"])
    changed = await admin.post(
        f"/partials/p/acme/members/{cast['viewer'].id}/role", {"role": "editor"}, htmx=True
    )
    assert changed.status == 200
    assert changed.select_one(f"#role-{cast['viewer'].id} option[selected]")["value"] == "editor"

    link = await _invite_link(admin)
    invite_id = (await Invite.select(Invite.id).first())["id"]
    revoked = await admin.post(f"/partials/p/acme/invites/{invite_id}/revoke", htmx=True)
    assert revoked.status == 200
    assert "No pending invites." in revoked.text
    assert await Invite.count() == 0
    assert link


async def test_a_project_keeps_at_least_one_admin(cast, signed_in):
    admin = await signed_in(cast["owner"])
    demoted = await admin.post(
        f"/partials/p/acme/members/{cast['owner'].id}/role", {"role": "viewer"}, htmx=True
    )
    assert demoted.status == 422
    assert demoted.texts(".form-error") == [
        "A project needs at least one admin: promote someone first."
    ]
    removed = await admin.post(f"/partials/p/acme/members/{cast['owner'].id}/remove", htmx=True)
    assert removed.status == 422


async def test_an_admin_removes_a_member_who_then_gets_404(cast, signed_in):
    admin = await signed_in(cast["owner"])
    editor = await signed_in(cast["editor"])
    response = await admin.post(f"/partials/p/acme/members/{cast['editor'].id}/remove", htmx=True)
    assert response.status == 200
    assert "editor" not in response.texts("#members td[data-label=Username] strong")
    assert (await editor.get("/p/acme")).status == 404


@pytest.mark.parametrize("who", ["editor", "viewer"])
async def test_editors_and_viewers_cannot_invite_or_change_members(cast, signed_in, who):
    browser = await signed_in(cast[who])
    page = await browser.get("/p/acme/members")
    assert page.status == 200
    assert page.select("select[name=role]") == []
    assert page.select_one("form[action$='/invites']") is None
    target = cast["viewer"].id if who == "editor" else cast["editor"].id
    attempts = [
        ("/partials/p/acme/invites", {"role": "admin"}),
        (f"/partials/p/acme/members/{target}/role", {"role": "admin"}),
        (f"/partials/p/acme/members/{target}/remove", {}),
        (f"/partials/p/acme/members/{cast[who].id}/role", {"role": "admin"}),
    ]
    for path, data in attempts:
        assert (await browser.post(path, data, htmx=True)).status == 403, path
    assert await Invite.count() == 0
    roles = {r["role"] for r in await ProjectMembership.select(ProjectMembership.role)}
    assert roles == {"admin", "editor", "viewer"}


async def test_an_outsider_gets_404_from_every_member_route(cast, signed_in):
    browser = await signed_in(cast["outsider"])
    assert (await browser.get("/p/acme/members")).status == 404
    assert (await browser.get("/partials/p/acme/members", htmx=True)).status == 404
    response = await browser.post("/partials/p/acme/invites", {"role": "admin"}, htmx=True)
    assert response.status == 404
    assert await Invite.count() == 0


async def test_an_unknown_role_is_refused(cast, signed_in):
    admin = await signed_in(cast["owner"])
    response = await admin.post("/partials/p/acme/invites", {"role": "owner"}, htmx=True)
    assert response.status == 400
    assert await Invite.count() == 0


async def test_without_htmx_member_actions_redirect_back_with_a_notice(cast, signed_in):
    admin = await signed_in(cast["owner"])
    response = await admin.post(
        f"/partials/p/acme/members/{cast['viewer'].id}/role", {"role": "editor"}
    )
    assert response.status == 303 and response.location == "/p/acme/members"
    page = await admin.get("/p/acme/members")
    assert page.texts(".flash") == ["Role changed to editor."]


async def test_an_invite_never_tells_whether_a_username_exists(cast, signed_in, visitor):
    link = await _invite_link(await signed_in(cast["owner"]))
    path = link.split("8000", 1)[1]
    browser = visitor()
    await browser.get(path)
    taken = await browser.post(
        path, {"username": "outsider", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    message = " ".join(taken.texts(".form-error"))
    assert taken.status == 400
    assert "taken" not in message and "exists" not in message


async def test_trying_usernames_through_one_invite_is_throttled(cast, signed_in, visitor):
    link = await _invite_link(await signed_in(cast["owner"]))
    path = link.split("8000", 1)[1]
    statuses = []
    for number in range(throttle.ACCOUNT_FREE_FAILURES + 2):
        browser = visitor(f"198.51.100.{number + 1}")  # another address each time
        await browser.get(path)
        response = await browser.post(
            path, {"username": "editor", "password": PASSWORD, "password_confirm": PASSWORD}
        )
        statuses.append(response.status)
    assert statuses[: throttle.ACCOUNT_FREE_FAILURES] == [400] * throttle.ACCOUNT_FREE_FAILURES
    assert statuses[-1] == 429


async def test_a_plain_form_invite_shows_the_link_instead_of_losing_it(cast, signed_in):
    admin = await signed_in(cast["owner"])
    await admin.get("/p/acme/members")
    response = await admin.post("/partials/p/acme/invites", {"role": "viewer"})
    assert response.status == 200
    assert response.select_one("#invite-link")["value"].startswith("http://127.0.0.1:8000/invite/")
    assert response.select_one("nav") is not None  # the whole page, not a fragment
