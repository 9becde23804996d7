"""An embedded PostgreSQL 16 (with pgvector) run from the binaries of the `pgserver` wheel.

We use the wheel's binaries but not its process manager: pgserver keeps a list of "holder"
pids and only stops the server when the last holder exits, so a holder killed with SIGKILL
keeps the server alive for good, and as root it widens the permissions of every parent folder
of its data directory. Here the lifecycle is explicit instead:

- `ensure_running()` starts the cluster if it is not running (safe for several processes at
  once: a file lock serialises start-up) and leaves it running;
- `stop()` stops it; `autoflow run` calls it on exit for a server it started itself.

A stale `postmaster.pid` (the server was killed, or the machine rebooted and the pid now
belongs to another program) is detected and removed before start.

The server listens on a unix socket only (no TCP port is opened), in the cluster directory.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

logger = logging.getLogger(__name__)

SUPERUSER = "postgres"
DATABASE = "autoflow"
# Only names the socket file: the server opens no TCP port.
SOCKET_PORT = 5432
# Linux limits a unix socket path to 107 bytes.
MAX_SOCKET_PATH = 100
# As root, PostgreSQL refuses to run; this system user owns the cluster instead.
SYSTEM_USER = "autoflow-pg"
START_TIMEOUT_SECONDS = 60
START_ATTEMPTS = 10
RETRY_PAUSE_SECONDS = 0.5


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be prepared or started; the message says why.

    `retryable` is True only for the moment after a server was killed (its pid file, lock
    or shared memory still held): waiting fixes that. Anything else, such as binaries that
    cannot run, fails at once instead of ten times.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


# Signs in server.log (or pg_ctl's output) of a previous server that is still going away.
_STILL_DYING = (
    "lock file",
    "shared memory",
    "another server",
    "already in use",
    "Address already in use",
)


@dataclass(frozen=True)
class EmbeddedPostgres:
    data_dir: Path
    # Where pgserver's files are; None finds the installed package. Tests point it at a copy
    # in a private folder to reproduce a clone in root's home.
    pgserver_dir: Path | None = None

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def socket_dir(self) -> Path:
        preferred = self.cluster_dir
        if len(str(preferred / f".s.PGSQL.{SOCKET_PORT}")) <= MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"autoflow-pg-{digest}"

    def dsn(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={SOCKET_PORT}"

    # -- lifecycle -------------------------------------------------------------------------

    def ensure_running(self) -> bool:
        """Start the cluster unless it already runs; return True when this call started it."""
        # Refused before anything is created: a private folder is no place to leave one in.
        if self._run_as() is not None and not _world_traversable(
            _nearest_existing(self.data_dir.parent)
        ):
            raise self._unreachable()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._run_as() is not None and not _world_traversable(self.data_dir.parent):
            raise self._unreachable()
        with self._start_lock():
            started = False
            # A server killed a moment ago may still look alive, or leave children that hold
            # its shared memory for a moment: retry until it answers or clearly cannot.
            for attempt in range(START_ATTEMPTS):
                try:
                    if not self.is_running():
                        self._prepare_cluster()
                        self._remove_stale_pid_file()
                        self._start()
                        started = True
                    self._ensure_database(DATABASE)
                    return started
                except EmbeddedPostgresError as error:
                    if not error.retryable:
                        raise
                    last_error: Exception = error
                except psycopg.OperationalError as error:
                    last_error = error
                if attempt == START_ATTEMPTS - 1:
                    raise EmbeddedPostgresError(
                        f"the embedded PostgreSQL does not answer ({last_error}); see "
                        f"{self.cluster_dir / 'server.log'}"
                    )
                time.sleep(RETRY_PAUSE_SECONDS)
        return started

    def _unreachable(self) -> EmbeddedPostgresError:
        return EmbeddedPostgresError(
            f"As root, the embedded PostgreSQL runs as the system user {SYSTEM_USER!r}, which "
            f"cannot reach {self.data_dir} (a parent folder is private, e.g. /root). "
            "Set AUTOFLOW_DATA_DIR to a folder outside root's home, such as /var/lib/autoflow; "
            "we do not widen the permissions of your folders."
        )

    def is_running(self) -> bool:
        pid = self._postmaster_pid()
        return pid is not None and _is_postgres_for(pid, self.cluster_dir)

    def stop(self) -> None:
        if not self.is_running():
            return
        logger.info("stopping embedded PostgreSQL", extra={"cluster": str(self.cluster_dir)})
        self._run_pg("pg_ctl", "-D", str(self.cluster_dir), "-m", "fast", "-w", "stop")

    def create_database(self, name: str, template: str | None = None) -> None:
        """Create a database (optionally as a copy of a template) on the running cluster."""
        clause = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clause}')

    # -- internals -------------------------------------------------------------------------

    @contextmanager
    def _start_lock(self) -> Iterator[None]:
        with open(self.data_dir / ".postgres.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run_as(self) -> str | None:
        return SYSTEM_USER if os.geteuid() == 0 else None

    def _bin_dir(self) -> Path:
        """The wheel's binaries, or a copy of them the system user can reach when run as root."""
        package = self.pgserver_dir or _pgserver_package_dir()
        source = package / "pginstall"
        if self._run_as() is None or _world_traversable(source / "bin"):
            return source / "bin"
        # The binaries find their shared libraries (libpq...) through an RPATH relative to
        # themselves, `$ORIGIN/../../../pgserver.libs`: the wheel keeps them beside the
        # package, not under pginstall/. The copy keeps that layout.
        libs = package.parent / f"{package.name}.libs"
        version = (source / "bin").stat().st_mtime_ns
        target = self.data_dir / f"pgserver-{version}"
        if not (target / "ready").exists():
            staging = self.data_dir / f".pgserver-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(source, staging / package.name / "pginstall", symlinks=True)
            if libs.is_dir():
                shutil.copytree(libs, staging / libs.name, symlinks=True)
            for folder, _dirs, _files in os.walk(staging):
                os.chmod(folder, 0o755)  # noqa: S103 - the system user must run these binaries
            (staging / "ready").touch()
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
            # Copies of earlier wheels (and of the incomplete layout older versions made).
            for stale in [*self.data_dir.glob("pgserver-*"), *self.data_dir.glob("pginstall-*")]:
                if stale != target:
                    shutil.rmtree(stale, ignore_errors=True)
        os.chmod(self.data_dir, 0o755)  # noqa: S103 - and traverse to them; secrets inside stay 0600
        return target / package.name / "pginstall" / "bin"

    def _run_pg(self, program: str, *args: str) -> str:
        command = [str(self._bin_dir() / program), *args]
        result = subprocess.run(
            command,
            user=self._run_as(),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS + 30,
            check=False,
            cwd="/",
        )
        if result.returncode != 0:
            output = result.stderr.strip() or result.stdout.strip()
            raise EmbeddedPostgresError(
                f"{program} failed (exit {result.returncode}): {output}",
                retryable=program == "pg_ctl" and self._looks_like_a_dying_server(output),
            )
        return result.stdout

    def _looks_like_a_dying_server(self, output: str) -> bool:
        try:
            with open(self.cluster_dir / "server.log", "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 4096))
                tail = log.read().decode(errors="replace")
        except OSError:
            tail = ""
        return any(sign in output or sign in tail for sign in _STILL_DYING)

    def _prepare_cluster(self) -> None:
        cluster = self.cluster_dir
        cluster.mkdir(parents=True, exist_ok=True)
        socket_dir = self.socket_dir
        socket_dir.mkdir(parents=True, exist_ok=True)
        run_as = self._run_as()
        if run_as is not None:
            account = _ensure_system_user(run_as)
            for folder in {cluster, socket_dir}:
                os.chown(folder, account.pw_uid, account.pw_gid)
        cluster.chmod(0o700)
        socket_dir.chmod(0o700)
        if not (cluster / "PG_VERSION").exists():
            logger.info("initialising embedded PostgreSQL", extra={"cluster": str(cluster)})
            self._run_pg(
                "initdb",
                "-D",
                str(cluster),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            )

    def _postmaster_pid(self) -> int | None:
        try:
            first_line = (self.cluster_dir / "postmaster.pid").read_text().splitlines()[0]
            return int(first_line.strip())
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return None

    def _remove_stale_pid_file(self) -> None:
        pid = self._postmaster_pid()
        if pid is not None and not _is_postgres_for(pid, self.cluster_dir):
            logger.warning("removing stale postmaster.pid", extra={"pid": pid})
            (self.cluster_dir / "postmaster.pid").unlink(missing_ok=True)
            (self.socket_dir / f".s.PGSQL.{SOCKET_PORT}.lock").unlink(missing_ok=True)

    def _start(self) -> None:
        options = (
            "-c listen_addresses='' "
            f"-c unix_socket_directories='{self.socket_dir}' "
            f"-c port={SOCKET_PORT} "
            "-c max_connections=200"
        )
        logger.info("starting embedded PostgreSQL", extra={"cluster": str(self.cluster_dir)})
        self._run_pg(
            "pg_ctl",
            "-D",
            str(self.cluster_dir),
            "-l",
            str(self.cluster_dir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "start",
        )

    def _ensure_database(self, name: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')


def _pgserver_package_dir() -> Path:
    # Located without importing `pgserver`: its package import starts platformdirs probing
    # (and warnings) we do not need, since we only use the binaries it ships.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError("the pgserver package is not installed: pip install -e .")
    return Path(next(iter(spec.submodule_search_locations)))


def _is_postgres_for(pid: int, cluster: Path) -> bool:
    """True when `pid` is a live postgres server of this cluster, not a recycled pid."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        # The state follows the command name, which is in parentheses and may hold spaces.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        return False
    if state in {"Z", "X"}:  # exiting or a zombie: not serving
        return False
    if not cmdline or not cmdline[0].endswith(b"postgres"):
        return False
    return str(cluster).encode() in cmdline or _cwd_is(pid, cluster)


def _cwd_is(pid: int, cluster: Path) -> bool:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")) == cluster.resolve()
    except OSError:
        return False


def _nearest_existing(path: Path) -> Path:
    for folder in [path, *path.parents]:
        if folder.exists():
            return folder
    return Path("/")


def _world_traversable(path: Path) -> bool:
    for folder in [path, *path.parents]:
        if not folder.stat().st_mode & 0o001:
            return False
    return True


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)
