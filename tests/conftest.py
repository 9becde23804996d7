"""Fixtures shared by the whole suite: a real PostgreSQL, one fresh database per test, the
app behind a test client, and factories that make users and projects (no seed data)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from quart import Quart

from app.db import engine
from app.main import create_app
from app.services.projects import ProjectAccess, Role, create_project
from app.services.users import UserRef, create_user
from app.settings import Settings
from app.tables import ProjectMembership
from tests.support import database
from tests.support.web import Visitor

# Sandbox fixtures for every folder: sandbox, asana_client, github_client, webhook_receiver...
pytest_plugins = ["app.sandbox.pytest_plugin"]

PASSWORD = "correct horse battery"
INIT_TOKEN = "init-token-for-tests-0123456789"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def pg_server(base_settings: Settings) -> Iterator[str]:
    with database.run_server(base_settings.test_database_url) as dsn:
        yield dsn


@pytest.fixture(scope="session")
async def template_database(pg_server: str) -> AsyncIterator[str]:
    name = await database.create_template(pg_server)
    yield name
    await database.drop(pg_server, name)


@pytest.fixture
async def database_url(pg_server: str, template_database: str) -> AsyncIterator[str]:
    """A migrated database of this test's own; Piccolo points at it (no pool yet)."""
    name = await database.clone(pg_server, template_database)
    dsn = database.with_database(pg_server, name)
    await engine.close_pool()
    engine.configure(dsn)
    yield dsn
    await engine.close_pool()
    await database.drop(pg_server, name)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """The test database with Piccolo's pool open, for tests that use services directly."""
    await engine.open_pool()
    yield database_url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "AUTOFLOW_DATA_DIR": str(tmp_path / "data"),
            "INIT_ADMIN_TOKEN": INIT_TOKEN,
        }
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Quart]:
    application = create_app(settings)
    async with application.test_app():
        yield application


@pytest.fixture
def visitor(app: Quart) -> Callable[[], Visitor]:
    """Each call is a new browser with its own cookies (and, optionally, address)."""
    return lambda address="192.0.2.10": Visitor(app.test_client(), address)


@pytest.fixture
def make_user(database_url: str) -> Callable[..., Awaitable[UserRef]]:
    async def make(username: str | None = None, *, is_admin: bool = False) -> UserRef:
        return await create_user(username or f"user{next(_names)}", PASSWORD, is_admin=is_admin)

    return make


@pytest.fixture
def make_project(database_url: str) -> Callable[..., Awaitable[ProjectAccess]]:
    async def make(owner: UserRef, slug: str | None = None, name: str | None = None):
        slug = slug or f"project-{next(_names)}"
        return await create_project(slug, name or slug.title(), owner.id)

    return make


@pytest.fixture
def add_member(database_url: str) -> Callable[..., Awaitable[None]]:
    async def add(project: ProjectAccess, user: UserRef, role: Role) -> None:
        await ProjectMembership.insert(
            ProjectMembership(project=project.id, user=user.id, role=role.value)
        )

    return add


@pytest.fixture
async def signed_in(visitor, make_user) -> Callable[..., Awaitable[Visitor]]:
    """A browser signed in as the given user."""

    async def sign_in(user: UserRef) -> Visitor:
        browser = visitor()
        response = await browser.login(user.username, PASSWORD)
        assert response.status == 303, response.text
        return browser

    return sign_in
