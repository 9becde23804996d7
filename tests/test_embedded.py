"""The embedded PostgreSQL: starts on demand, survives a stale pid file, refuses unsafe
data directories as root."""

from __future__ import annotations

import os
import shutil
import signal
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
        EmbeddedPostgres(private / "data").ensure_running()
    assert private.stat().st_mode & 0o777 == 0o700
