"""The `autoflow` command as ops use it: real processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from app.cli import autoflow_command, run_banner
from app.tables import Invite, Project, User
from tests.support import database

ROOT = Path(__file__).resolve().parent.parent


def autoflow(
    database_url: str, tmp_path: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, AUTOFLOW_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_ops_create_an_admin_a_project_and_an_invite(database_url, tmp_path):
    made = autoflow(
        database_url,
        tmp_path,
        "create-admin",
        "--username",
        "Ops",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert made.returncode == 0, made.stderr
    assert "Created admin ops" in made.stdout

    project = autoflow(
        database_url,
        tmp_path,
        "create-project",
        "--slug",
        "core",
        "--name",
        "Core",
        "--admin",
        "ops",
    )
    assert project.returncode == 0, project.stderr
    assert project.stdout.strip().endswith("/p/core")

    invite = autoflow(database_url, tmp_path, "invite", "--project", "core", "--role", "viewer")
    assert invite.returncode == 0, invite.stderr
    link = invite.stdout.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8000/invite/")

    assert await User.select(User.username, User.is_admin) == [
        {"username": "ops", "is_admin": True}
    ]
    assert await Project.select(Project.slug) == [{"slug": "core"}]
    stored = await Invite.select(Invite.token_hash, Invite.role).first()
    assert stored["role"] == "viewer"
    assert link.rsplit("/", 1)[1] not in stored["token_hash"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ("create-project", "--slug", "x", "--name", "X", "--admin", "ghost"),
            "",
            "no user named 'ghost'",
        ),
        (("invite", "--project", "missing"), "", "no project with slug 'missing'"),
        (
            ("create-admin", "--username", "a", "--password-stdin"),
            "long enough pw\n",
            "Use 2–63 characters",
        ),
        (
            ("create-admin", "--username", "weak", "--password-stdin"),
            "short\n",
            "at least 10 characters",
        ),
        (("create-admin", "--username", "tty"), "", "use --password-stdin"),
    ],
)
async def test_bad_input_is_one_clear_error_line(database_url, tmp_path, args, stdin, message):
    result = autoflow(database_url, tmp_path, *args, stdin=stdin)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_bad_setting_is_refused_at_start(database_url, tmp_path):
    env_override = {"AUTOFLOW_PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=database_url, **env_override),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "AUTOFLOW_PORT='eighty' is not valid" in result.stderr


async def test_commands_refuse_an_unmigrated_database_and_migrate_fixes_it(pg_server, tmp_path):
    connection = await asyncpg.connect(pg_server)
    name = f"autoflow_cli_{os.getpid()}"
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    dsn = database.with_database(pg_server, name)
    try:
        refused = autoflow(
            dsn,
            tmp_path,
            "create-admin",
            "--username",
            "x1",
            "--password-stdin",
            stdin="long enough pw\n",
        )
        assert refused.returncode == 2
        assert "run `autoflow migrate` first" in refused.stderr
        migrated = autoflow(dsn, tmp_path, "migrate")
        assert migrated.returncode == 0 and "Applied" in migrated.stdout
        # Each migration is named, not only counted.
        assert "2026-11-24T05:30:00:000000  create extension vector" in migrated.stdout
        again = autoflow(dsn, tmp_path, "migrate")
        assert again.stdout.strip() == "The database is up to date."
    finally:
        await database.drop(pg_server, name)


def test_the_run_banner_ends_with_the_set_up_token_and_a_command_that_works():
    text = run_banner("http://127.0.0.1:8000", True, "tok-123", ".venv/bin/autoflow")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip("- \n")]
    # The token comes last, on a line of its own, so start-up lines above cannot bury it.
    assert lines[-2:] == ["Set-up token:", "tok-123"]
    assert ".venv/bin/autoflow create-admin --username <you>" in text
    assert "http://127.0.0.1:8000/setup" in text


def test_the_run_banner_without_a_first_run_says_only_where_it_runs():
    text = run_banner("http://127.0.0.1:8000", False, None, "autoflow")
    assert "Auto-Flow is running at http://127.0.0.1:8000" in text
    assert "set-up token" not in text.lower() and "create-admin" not in text


def test_autoflow_command_names_the_virtualenv_script_when_it_is_not_on_path(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert autoflow_command().endswith("bin/autoflow")
