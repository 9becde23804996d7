"""`autoflow`: the operator's command line (run, web, worker, migrate, accounts, projects)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import ipaddress
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.auth.secrets import new_token
from app.crypto import MasterKeyError, new_key_text, rotate_key_file
from app.db import engine
from app.db.embedded import EmbeddedPostgres, EmbeddedPostgresError
from app.db.migrate import MigrationError, apply_migrations, pending_migrations
from app.processes import supervise
from app.settings import Settings, SettingsError

logger = logging.getLogger("autoflow")

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "piccolo_migrations"
MIGRATION_FIELD = re.compile(r'^(ID|DESCRIPTION) = "(.*)"$', re.MULTILINE)
BANNER_WAIT_SECONDS = 60  # how long `run` waits for the web server before printing anyway
BANNER_SETTLE_SECONDS = 1.5  # then a moment for the worker's start-up lines


class CommandError(RuntimeError):
    """A command cannot go on; the message is printed as is."""


# -- shared plumbing -------------------------------------------------------------------------


def _database(settings: Settings) -> tuple[str, bool]:
    """The DSN to use, starting the embedded server when DATABASE_URL is unset.
    Returns (dsn, whether this call started the embedded server)."""
    if settings.database_url:
        return settings.database_url, False
    return engine.database_dsn(settings), EmbeddedPostgres(settings.data_dir).ensure_running()


async def _with_pool(dsn: str, body: Callable[[], Awaitable[Any]]) -> Any:
    if pending := await pending_migrations(dsn):
        raise CommandError(f"{len(pending)} migration(s) are pending: run `autoflow migrate` first")
    engine.configure(dsn)
    await engine.open_pool()
    try:
        return await body()
    finally:
        await engine.close_pool()


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for a password: use --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise CommandError("the two passwords differ")
    return first


# -- commands --------------------------------------------------------------------------------


def migration_names() -> dict[str, str]:
    """Migration id -> its description, read from the files in piccolo_migrations/."""
    names = {}
    for path in sorted(MIGRATIONS_FOLDER.glob("*.py")):
        found = dict(MIGRATION_FIELD.findall(path.read_text()))
        if "ID" in found:
            names[found["ID"]] = found.get("DESCRIPTION", path.stem)
    return names


def applied_text(applied: list[str]) -> str:
    """What `migrate`, `run` and `demo` print: each migration applied, with its name."""
    if not applied:
        return "The database is up to date."
    names = migration_names()
    lines = [f"Applied {len(applied)} migration(s):"]
    lines += [f"  {m}  {names.get(m, '')}".rstrip() for m in applied]
    return "\n".join(lines)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    dsn, _ = _database(settings)
    print(applied_text(asyncio.run(apply_migrations(dsn))))
    return 0


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.users import create_user

    password = _read_password(args)
    dsn, _ = _database(settings)
    user = asyncio.run(_with_pool(dsn, lambda: create_user(args.username, password, is_admin=True)))
    print(f"Created admin {user.username}. Sign in at {settings.public_url}/login")
    return 0


def cmd_create_project(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.projects import create_project
    from app.tables import User

    async def body() -> Any:
        owner = await User.select(User.id).where(User.username == args.admin.lower()).first()
        if owner is None:
            raise CommandError(f"no user named {args.admin!r}")
        return await create_project(args.slug, args.name, owner["id"])

    dsn, _ = _database(settings)
    project = asyncio.run(_with_pool(dsn, body))
    print(f"Created project {project.name}: {settings.public_url}/p/{project.slug}")
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.members import INVITE_TTL, create_invite
    from app.services.projects import Role, get_by_slug

    async def body() -> str:
        project = await get_by_slug(args.project)
        if project is None:
            raise CommandError(f"no project with slug {args.project!r}")
        return await create_invite(project["id"], Role(args.role), created_by=None)

    dsn, _ = _database(settings)
    token = asyncio.run(_with_pool(dsn, body))
    print(f"Invite link ({args.role}, valid {INVITE_TTL.days} days, single use):")
    print(f"{settings.public_url}/invite/{token}")
    return 0


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    _database(settings)
    return _exec_web(settings)


def _web_command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hypercorn",
        "app.asgi:app",
        "--bind",
        f"{settings.host}:{settings.port}",
        "--workers",
        str(settings.web_workers),
        "--access-logfile",
        "-",
    ]


def _exec_web(settings: Settings) -> int:
    return subprocess.call(_web_command(settings))


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from app.jobs.queue import build
    from app.jobs.worker import run_worker

    dsn, _ = _database(settings)
    if pending := asyncio.run(pending_migrations(dsn)):
        raise CommandError(f"{len(pending)} migration(s) are pending: run `autoflow migrate` first")
    asyncio.run(run_worker(build(dsn), dsn, settings, name=args.name, concurrency=args.concurrency))
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.users import user_count

    dsn, started_embedded = _database(settings)
    applied = asyncio.run(apply_migrations(dsn))
    if applied:
        print(applied_text(applied), flush=True)
    needs_admin = asyncio.run(_with_pool(dsn, user_count)) == 0
    child_env = dict(os.environ)
    token = None
    if needs_admin and not settings.init_admin_token:
        # A one-time token for this run only, printed below and passed to the web process.
        token = new_token()
        child_env["INIT_ADMIN_TOKEN"] = token
    text = run_banner(settings.public_url, needs_admin, token, autoflow_command())
    # Printed once the web server answers, after the children's start-up lines, so that
    # nothing buries the set-up token.
    threading.Thread(
        target=_print_when_serving, args=(settings, text), name="banner", daemon=True
    ).start()

    commands = [_web_command(settings), [sys.executable, "-m", "app.cli", "worker"]]
    try:
        return supervise(commands, child_env)
    finally:
        if started_embedded:
            EmbeddedPostgres(settings.data_dir).stop()


def autoflow_command() -> str:
    """How to call this CLI from the current folder: `autoflow` when it is on PATH, else its
    path (usually `.venv/bin/autoflow`, since a virtualenv is rarely activated)."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    on_path = shutil.which("autoflow")
    if script and script.name == "autoflow" and on_path and Path(on_path).samefile(script):
        return "autoflow"
    candidate = Path(sys.executable).parent / "autoflow"
    if not candidate.exists():
        return ".venv/bin/autoflow"
    try:
        return str(candidate.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(candidate)


def run_banner(public_url: str, needs_admin: bool, token: str | None, command: str) -> str:
    """What `autoflow run` prints once it serves: the address and, on a first run, how to
    create the first admin, with the set-up token on a line of its own at the end."""
    rule = "  " + "-" * 66
    lines = ["", rule, f"  Auto-Flow is running at {public_url}", ""]
    if needs_admin:
        lines += [
            "  No account exists yet. Create the first admin:",
            f"    in another shell:  {command} create-admin --username <you>",
            f"    or open {public_url}/setup and enter the set-up token "
            + ("printed below." if token else "(the value of INIT_ADMIN_TOKEN)."),
            "",
        ]
    lines += ["  Stop with Ctrl-C.", rule]
    if needs_admin and token:
        lines += ["", "  Set-up token:", "", f"      {token}", "", rule]
    return "\n".join(lines) + "\n"


def _print_when_serving(settings: Settings, text: str) -> None:
    host = settings.host or "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_unspecified:  # bound to every address
            host = "127.0.0.1"
    except ValueError:
        pass  # a name
    url = f"http://{f'[{host}]' if ':' in host else host}:{settings.port}/healthz"
    deadline = time.monotonic() + BANNER_WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.2)
    time.sleep(BANNER_SETTLE_SECONDS)  # let the worker's start-up lines go first
    print(text, flush=True)


def cmd_new_master_key(settings: Settings, args: argparse.Namespace) -> int:
    print(new_key_text())
    return 0


def cmd_rotate_master_key(settings: Settings, args: argparse.Namespace) -> int:
    from app.services.secrets import prepare_keyring

    dsn, _ = _database(settings)

    async def body() -> int:
        await prepare_keyring(settings)  # every stored secret must open before we rotate
        rotated = rotate_key_file(settings)
        print(f"New master key {rotated.current_id} in {settings.data_dir / 'master.key'}.")
        return await _reencrypt(settings)

    changed = asyncio.run(_with_pool(dsn, body))
    print(f"Re-encrypted {changed} secret(s) under the new key.")
    return 0


async def _reencrypt(settings: Settings) -> int:
    from app.services.secrets import prepare_keyring, reencrypt_all

    await prepare_keyring(settings)
    return await reencrypt_all()


def cmd_reencrypt(settings: Settings, args: argparse.Namespace) -> int:
    dsn, _ = _database(settings)
    changed = asyncio.run(_with_pool(dsn, lambda: _reencrypt(settings)))
    print(f"Re-encrypted {changed} secret(s) under the current master key.")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from app import demo

    dsn, started_embedded = _database(settings)
    applied = asyncio.run(apply_migrations(dsn))
    if applied:
        print(applied_text(applied))
    runner = demo.SandboxThread(asana_port=args.asana_port, github_port=args.github_port)
    sandbox = runner.start()
    try:
        demo_settings = settings.replace(
            asana_api_url=sandbox.asana.base_url, github_api_url=sandbox.github.base_url
        )
        login = asyncio.run(_with_pool(dsn, lambda: demo.start_demo(demo_settings, sandbox.seed)))
        print(demo.describe(settings, login, sandbox), flush=True)
        commands = [_web_command(settings), [sys.executable, "-m", "app.cli", "worker"]]
        return supervise(commands, demo.child_env(dict(os.environ), sandbox))
    finally:
        runner.stop()
        if started_embedded:
            EmbeddedPostgres(settings.data_dir).stop()


def cmd_db_url(settings: Settings, args: argparse.Namespace) -> int:
    dsn, _ = _database(settings)
    print(dsn)
    return 0


# -- entry point -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autoflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="migrate, then run web and worker together").set_defaults(
        handler=cmd_run
    )
    sub.add_parser("web", help="run the web server (hypercorn)").set_defaults(handler=cmd_web)
    worker = sub.add_parser("worker", help="run a queue worker")
    worker.add_argument("--name", default=None, help="worker name shown in the queue tables")
    worker.add_argument("--concurrency", type=int, default=4, help="jobs run at once")
    worker.set_defaults(handler=cmd_worker)
    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(
        handler=cmd_migrate
    )
    sub.add_parser("db-url", help="print the database URL in use").set_defaults(handler=cmd_db_url)
    sub.add_parser("new-master-key", help="print a new random master key").set_defaults(
        handler=cmd_new_master_key
    )
    sub.add_parser(
        "rotate-master-key", help="replace master.key and re-encrypt every secret"
    ).set_defaults(handler=cmd_rotate_master_key)
    sub.add_parser(
        "reencrypt", help="re-encrypt every secret under the current master key"
    ).set_defaults(handler=cmd_reencrypt)
    # Listed for --help; its own options are parsed by the sandbox (see main()).
    sub.add_parser("sandbox", help="run the Asana and GitHub sandbox (docs/sandbox.md)")
    demo_parser = sub.add_parser(
        "demo", help="web, worker and the sandbox together, with a configured demo project"
    )
    demo_parser.add_argument(
        "--asana-port", type=int, default=0, help="the sandbox's Asana port (default: any free)"
    )
    demo_parser.add_argument(
        "--github-port", type=int, default=0, help="the sandbox's GitHub port (default: any free)"
    )
    demo_parser.set_defaults(handler=cmd_demo)

    admin = sub.add_parser("create-admin", help="create an instance admin account")
    admin.add_argument("--username", required=True)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin.set_defaults(handler=cmd_create_admin)

    project = sub.add_parser("create-project", help="create a project")
    project.add_argument("--slug", required=True)
    project.add_argument("--name", required=True)
    project.add_argument("--admin", required=True, help="username who becomes its admin")
    project.set_defaults(handler=cmd_create_project)

    invite = sub.add_parser("invite", help="print a single-use invite link to a project")
    invite.add_argument("--project", required=True, help="project slug")
    invite.add_argument("--role", choices=["admin", "editor", "viewer"], default="editor")
    invite.set_defaults(handler=cmd_invite)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:
        from app.sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        return args.handler(settings, args)
    except (
        SettingsError,
        EmbeddedPostgresError,
        MigrationError,
        CommandError,
        MasterKeyError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # AccountProblem, ProjectProblem: bad input, said plainly
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
