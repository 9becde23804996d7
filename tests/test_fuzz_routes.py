"""Property: no request to any registered route — hostile path values, query strings, form
fields and bodies, as an anonymous visitor, a project viewer or a project admin — gets a 5xx.

The routes are read from `app.url_map`, so a route added later is walked without editing this
file. Each example walks every route once with freshly drawn values; the examples are few
(each walk is ~50 requests) and the deadline is off: the database, not the code, sets the pace.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.integrations.github.webhooks import sign as github_sign
from app.services import secrets
from app.services.projects import Role

GITHUB_SECRET = "whsec-fuzz-0123456789"
# Logging out would turn the identity under test into an anonymous visitor halfway through.
SKIPPED = {"/logout"}
# Argument names the routes read from query strings and forms (a hostile value each).
FIELDS = [
    "next", "edit", "edit_link", "edit_contact", "edit_note", "replace", "resource", "default",
    "username", "password", "password_confirm", "token", "slug", "name", "title", "body", "url",
    "label", "contact", "role", "value", "repo", "option_gid", "option_name", "status",
    "workspace_gid", "asana_project_gids", "autotask_field_gid", "autotask_on_option_gid",
    "repo_field_gid", "status_field_gid", "project", "q",
]  # fmt: skip

_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cs", "Nd", "No", "Zs"])),
    st.sampled_from(
        [
            "\x00", "a\x00b", "²", "①", "٣", "-1", "0", "2147483648", "9" * 40, "1e400", "NaN",
            "/\t/evil.example", "//evil.example", "/\\evil", "\ud800", "%00", "..", "../..",
            "x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "new",
        ]
    ),
)  # fmt: skip
ids = st.one_of(
    st.integers(min_value=0, max_value=2**70).map(str),
    st.sampled_from(["²", "①", "٣", "-1", "1e3", "0x10", "\x00"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value, allow_nan=True).encode()),
    st.binary(max_size=200),
    st.sampled_from([b"[" * 100_000, b'{"events": [1]}', b'{"events": [{"resource": "1"}]}']),
)


def _encode(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _path(rule: str, slug: str, project_id: int, draw) -> str:
    def fill(match: re.Match) -> str:
        converter, options, name = match["converter"], match["options"], match["name"]
        if converter == "any":
            return draw(st.sampled_from([o.strip() for o in options.split(",")]))
        if converter in ("id", "int"):
            return _encode(draw(st.one_of(st.just(str(project_id)), ids)))
        if name == "slug":
            return _encode(draw(st.one_of(st.just(slug), hostile_text)))
        if converter == "path":
            return _encode(draw(st.sampled_from(["css/app.css", "../pyproject.toml", "%00"])))
        return _encode(draw(hostile_text)) or "x"

    return _ARGUMENT.sub(fill, rule)


def _header_safe(value: str) -> str:
    # HTTP cannot carry control characters in a header (h11 refuses them before the app).
    return "".join(c for c in value if 0x20 <= ord(c) < 0x7F or 0xA0 <= ord(c) <= 0xFF)


def _fields(draw) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True))
    return {name: draw(hostile_text) for name in names}


@pytest.fixture
async def world(app, make_user, make_project, add_member, signed_in, visitor):
    admin = await make_user(is_admin=True)
    project = await make_project(admin)
    viewer = await make_user()
    await add_member(project, viewer, Role.VIEWER)
    await secrets.write_secret(project.id, "github_webhook_secret", GITHUB_SECRET)
    # Nothing may leave the machine: the services' URLs point at a port that refuses at once.
    closed = "http://127.0.0.1:9"
    app.config["AUTOFLOW_SETTINGS"] = app.config["AUTOFLOW_SETTINGS"].replace(
        asana_api_url=closed, github_api_url=closed
    )
    return {
        "project": project,
        "anonymous": visitor("192.0.2.50"),
        "viewer": await signed_in(viewer),
        "admin": await signed_in(admin),
    }


def _routes(app) -> list[tuple[str, str]]:
    walked = []
    for rule in app.url_map.iter_rules():
        if rule.rule in SKIPPED:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            walked.append((method, rule.rule))
    return walked


@pytest.mark.parametrize("identity", ["anonymous", "viewer", "admin"])
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    # Shrinking re-walks every route per step; the failures list already names each request.
    phases=[Phase.explicit, Phase.generate],
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_route_answers_5xx_to_hostile_input(app, world, identity, data):
    browser = world[identity]
    project = world["project"]
    failures = []
    for method, rule in _routes(app):
        path = _path(rule, project.slug, project.id, data.draw)
        query = urlencode(
            {k: v.encode("utf-8", "surrogatepass") for k, v in _fields(data.draw).items()}
        )
        target = f"{path}?{query}" if query else path
        if method == "GET":
            response = await browser.client.get(
                target, headers={"HX-Request": "true"}, scope_base=browser.scope
            )
        elif rule.startswith("/webhooks/"):
            body = data.draw(bodies)
            headers = {
                "X-GitHub-Event": data.draw(st.sampled_from(["issues", "ping", "x\x00", ""])),
                "X-GitHub-Delivery": data.draw(hostile_text) or "d",
                "X-GitHub-Hook-ID": data.draw(st.sampled_from(["1", "9" * 80, "", "²"])),
                "X-Hub-Signature-256": github_sign(body, GITHUB_SECRET),
                "X-Hook-Signature": "00",
                "Content-Type": data.draw(
                    st.sampled_from(["application/json", "application/x-www-form-urlencoded"])
                ),
            }
            if data.draw(st.integers(0, 3)) == 0:  # now and then, an Asana handshake
                headers["X-Hook-Secret"] = data.draw(hostile_text) or "s"
            headers = {name: _header_safe(value) for name, value in headers.items()}
            response = await browser.client.post(
                target, data=body, headers=headers, scope_base=browser.scope
            )
        else:
            form = _fields(data.draw)
            if data.draw(st.booleans()):
                form["csrf_token"] = browser.csrf or ""
            response = await browser.client.post(
                target,
                form={
                    k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
                    for k, v in form.items()
                },
                headers={"HX-Request": "true"},
                scope_base=browser.scope,
            )
        if response.status_code >= 500:
            failures.append((method, target[:200], response.status_code))
    assert failures == []
