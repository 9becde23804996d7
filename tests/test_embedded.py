"""The embedded PostgreSQL: starts on demand, survives a stale pid file, refuses unsafe
data directories as root."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from app.db.embedded import EmbeddedPostgres, EmbeddedPostgresError


@pytest.fixture
def cluster():
    # Under /tmp itself (not pytest's private 0700 temp folder): as root, the server's system
    # user must be able to reach it.
    folder = Path(tempfile.gettempdir()) / f"autoflow-embedded-{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o755)
    server = EmbeddedPostgres(folder / "data")
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _answers(server: EmbeddedPostgres) -> bool:
    with psycopg.connect(server.dsn()) as connection:
        return connection.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.slow
def test_it_starts_once_and_serves_the_autoflow_database(cluster):
    assert cluster.ensure_running() is True
    assert cluster.ensure_running() is False
    assert _answers(cluster)
    # A unix socket only: no TCP listener.
    with psycopg.connect(cluster.dsn()) as connection:
        assert connection.execute("SHOW listen_addresses").fetchone() == ("",)


@pytest.mark.slow
def test_a_server_killed_with_sigkill_is_restarted_despite_its_pid_file(cluster):
    cluster.ensure_running()
    pid = int((cluster.cluster_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    assert (cluster.cluster_dir / "postmaster.pid").exists()
    assert cluster.ensure_running() is True
    assert _answers(cluster)


@pytest.mark.slow
def test_a_pid_file_naming_a_live_unrelated_process_is_treated_as_stale(cluster):
    cluster.ensure_running()
    cluster.stop()
    stale = cluster.cluster_dir / "postmaster.pid"
    stale.write_text(f"{os.getpid()}\n{cluster.cluster_dir}\n")
    assert cluster.ensure_running() is True
    assert _answers(cluster)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to a system user")
def test_as_root_it_refuses_a_data_directory_the_server_user_cannot_reach(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(EmbeddedPostgresError, match="AUTOFLOW_DATA_DIR"):
        EmbeddedPostgres(private / "autoflow" / "data").ensure_running()
    assert private.stat().st_mode & 0o777 == 0o700
    # Refused before anything was made there.
    assert list(private.iterdir()) == []


def _private_copy_of_pgserver(folder: Path) -> Path:
    """pgserver's files as they are in a virtual environment inside a private (0700) folder,
    e.g. a clone in root's home: the package and the libraries the wheel keeps beside it."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    assert spec is not None and spec.submodule_search_locations
    installed = Path(next(iter(spec.submodule_search_locations)))
    folder.mkdir(mode=0o700)
    site = folder / "site-packages"
    shutil.copytree(installed / "pginstall", site / "pgserver" / "pginstall", symlinks=True)
    shutil.copytree(installed.parent / "pgserver.libs", site / "pgserver.libs", symlinks=True)
    return site / "pgserver"


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to a system user")
def test_as_root_it_runs_from_a_virtual_environment_in_a_private_folder(cluster, tmp_path):
    package = _private_copy_of_pgserver(tmp_path / "root-home")
    server = EmbeddedPostgres(cluster.data_dir, pgserver_dir=package)
    try:
        assert server.ensure_running() is True
        assert _answers(server)
    finally:
        server.stop()


@pytest.mark.slow
def test_binaries_that_cannot_run_fail_at_once_with_their_own_message(cluster, tmp_path):
    package = _private_copy_of_pgserver(tmp_path / "broken")
    shutil.rmtree(package.parent / "pgserver.libs")
    server = EmbeddedPostgres(cluster.data_dir, pgserver_dir=package)
    with pytest.raises(EmbeddedPostgresError) as refused:
        server.ensure_running()
    # The first failure is reported as it is, not ten retries later as "does not answer".
    assert str(refused.value).startswith("initdb failed")
    assert "shared libraries" in str(refused.value)
    assert not refused.value.retryable


@pytest.mark.slow
def test_a_test_run_removes_the_server_of_an_ended_run_and_spares_a_live_one(tmp_path):
    from tests.support import database

    dead_pid = _exited_pid()
    live = subprocess.Popen(["sleep", "60"])
    try:
        dead_folder, live_folder = database._run_folder(dead_pid), database._run_folder(live.pid)
        for folder, owner in ((dead_folder, dead_pid), (live_folder, live.pid)):
            folder.mkdir(mode=0o755)
            (folder / "owner.pid").write_text(str(owner))
        dead_server = EmbeddedPostgres(dead_folder / "data")
        dead_server.ensure_running()

        database._remove_servers_of_ended_runs()

        assert not dead_folder.exists()
        assert not dead_server.is_running()
        assert live_folder.exists()
    finally:
        live.kill()
        live.wait()
        shutil.rmtree(database._run_folder(live.pid), ignore_errors=True)
        shutil.rmtree(database._run_folder(dead_pid), ignore_errors=True)


def _exited_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
