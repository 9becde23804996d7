"""Bad input gets a clear 4xx at the boundary, never a 500: control characters in text,
Unicode digits, out-of-range ids, off-site `next` targets and reflected Host headers."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from app.services.project_config_input import gid_problem
from app.services.projects import Role
from tests.conftest import PASSWORD

# Known ways to smuggle another host past a "starts with one slash" check: a browser strips
# tabs and newlines, reads a backslash as a slash, and strips leading C0 controls and spaces.
OPEN_REDIRECT_BYPASSES = [
    "//evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "/\t/evil.example/x",
    "/\t\\evil.example/x",
    "/\n/evil.example/x",
    "/\r/evil.example/x",
    "\t//evil.example/x",
    " //evil.example/x",
    "/\\/evil.example/x",
    "\\/evil.example/x",
    "https://evil.example/x",
    "https:evil.example",
    "//evil.example@app/x",
    "/\t/\t/evil.example",
    "http:\\\\evil.example",
]


def _same_origin(location: str | None) -> bool:
    assert location is not None
    browser_sees = location.strip("".join(chr(c) for c in range(0x21)))
    browser_sees = browser_sees.replace("\t", "").replace("\n", "").replace("\r", "")
    browser_sees = browser_sees.replace("\\", "/")
    return (
        browser_sees.startswith("/")
        and not browser_sees.startswith("//")
        and not urlsplit(browser_sees).netloc
    )


@pytest.mark.parametrize("target", OPEN_REDIRECT_BYPASSES)
async def test_it_never_sends_a_signed_in_person_off_site_after_login(visitor, make_user, target):
    user = await make_user()
    browser = visitor()
    await browser.get("/login")
    response = await browser.post(
        "/login", {"username": user.username, "password": PASSWORD, "next": target}
    )
    assert response.status == 303 and _same_origin(response.location), response.location
    again = await browser.get("/login?next=" + quote(target, safe=""))
    assert again.status == 302 and _same_origin(again.location), again.location


async def test_it_keeps_a_local_next_target_with_its_query(visitor, make_user):
    user = await make_user()
    browser = visitor()
    await browser.get("/login")
    response = await browser.post(
        "/login", {"username": user.username, "password": PASSWORD, "next": "/p/x/settings?a=1"}
    )
    assert response.location == "/p/x/settings?a=1"


@pytest.mark.parametrize("control", ["\x0b", "\x0c", "\x00", "\x7f", "\x1b"])
async def test_it_refuses_control_characters_in_next_with_400(visitor, control):
    response = await visitor().get("/login?next=" + quote(f"/app{control}x", safe=""))
    assert response.status == 400


async def test_it_refuses_a_nul_in_the_login_username_with_400(visitor, make_user):
    await make_user("grace")
    browser = visitor()
    await browser.get("/login")
    response = await browser.post("/login", {"username": "grace\x00", "password": PASSWORD})
    assert response.status == 400
    assert "control characters" in response.text


async def test_it_refuses_a_nul_in_a_project_path_with_400(signed_in, make_user):
    browser = await signed_in(await make_user())
    assert (await browser.get("/p/%00")).status == 400
    assert (await browser.get("/p/a%00b/settings")).status == 400


async def test_it_refuses_a_nul_in_every_kind_of_form_text(signed_in, make_user, make_project):
    owner = await make_user(is_admin=True)
    project = await make_project(owner)
    browser = await signed_in(owner)
    base = f"/partials/p/{project.slug}"
    posts = [
        ("/partials/projects", {"slug": "ok", "name": "bad\x00name"}),
        (f"{base}/notes", {"title": "t", "body": "a\x00b"}),
        (f"{base}/links", {"label": "l", "url": "https://example.com/\x00"}),
        (f"{base}/contacts", {"name": "n\x00", "role": "r", "contact": "c"}),
        (f"{base}/settings/repo-map", {"option_gid": "1", "option_name": "x\x00", "repo": ""}),
    ]
    for path, form in posts:
        response = await browser.post(path, form, htmx=True)
        assert response.status == 400, (path, response.status, response.text)


@pytest.mark.parametrize("raw", ["²", "①", "٣", "1e3", "-1", " 1", "99999999999"])
async def test_it_ignores_ids_in_query_arguments_that_are_not_ascii_digits(
    signed_in, make_user, make_project, raw
):
    owner = await make_user()
    project = await make_project(owner)
    browser = await signed_in(owner)
    for name in ("edit_link", "edit_contact"):
        page = await browser.get(f"/p/{project.slug}/settings?{name}={quote(raw)}")
        assert page.status == 200, (name, raw)
    page = await browser.get(f"/p/{project.slug}/knowledge?edit_note={quote(raw)}")
    assert page.status == 200
    fragment = await browser.get(f"/partials/p/{project.slug}/links?edit={quote(raw)}", htmx=True)
    assert fragment.status == 200


async def test_it_answers_a_unicode_digit_default_repository_with_a_form_error(
    signed_in, make_user, make_project
):
    owner = await make_user()
    project = await make_project(owner)
    browser = await signed_in(owner)
    response = await browser.post(
        f"/partials/p/{project.slug}/settings/github",
        {"repo": ["octo/one", "octo/two", "octo/three"], "default": "²"},
        htmx=True,
    )
    assert response.status == 422
    assert "Choose the default repository." in response.text


@pytest.mark.parametrize("project_id", ["2147483648", "99999999999999999999", "0", "٣"])
async def test_it_answers_404_for_webhook_project_ids_out_of_range(visitor, project_id):
    client = visitor().client
    github = await client.post(f"/webhooks/github/{quote(project_id)}", data=b"{}")
    assert github.status_code == 404
    asana = await client.post(f"/webhooks/asana/{quote(project_id)}?resource=1", data=b"{}")
    assert asana.status_code == 404
    handshake = await client.post(
        f"/webhooks/asana/{quote(project_id)}?resource=1", headers={"X-Hook-Secret": "x"}
    )
    assert handshake.status_code == 404


async def test_it_answers_404_for_member_and_item_ids_out_of_range(
    signed_in, make_user, make_project
):
    owner = await make_user()
    project = await make_project(owner)
    browser = await signed_in(owner)
    base = f"/partials/p/{project.slug}"
    for path in (
        f"{base}/members/2147483648/role",
        f"{base}/members/2147483648/remove",
        f"{base}/invites/2147483648/revoke",
        f"{base}/links/2147483648",
        f"{base}/notes/2147483648/delete",
    ):
        response = await browser.post(path, {"role": Role.VIEWER.value}, htmx=True)
        assert response.status == 404, path


async def test_it_refuses_a_nul_resource_on_the_asana_receiver(visitor, make_user, make_project):
    project = await make_project(await make_user())
    client = visitor().client
    response = await client.post(f"/webhooks/asana/{project.id}?resource=%00", data=b"{}")
    assert response.status_code == 400
    handshake = await client.post(
        f"/webhooks/asana/{project.id}?resource=%00", headers={"X-Hook-Secret": "x"}
    )
    assert handshake.status_code == 400


async def test_the_doubled_slash_redirect_never_names_the_host_it_was_sent(visitor):
    browser = visitor()
    response = await browser.client.get(
        "/p//x", headers={"Host": "evil.example"}, scope_base=browser.scope
    )
    assert response.status_code == 308
    assert response.headers["Location"] == "/p/x"


@pytest.mark.parametrize("value", ["123\n", "123\r\n", "\n123", "12 3"])
def test_a_gid_with_a_trailing_newline_is_not_a_gid(value):
    assert gid_problem(value) is not None
