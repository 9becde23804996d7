"""`autoflow run`/`demo` supervise web and worker: a child that dies comes back (after a
back-off), one that keeps dying stops everything, and nothing is ever left running on its own —
not a hypercorn worker whose master was SIGKILLed, not the children of a SIGKILLed supervisor."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from tests.support.processes import PATIENCE_SECONDS, ROOT

QUICK = {"first_delay": 0.2, "max_delay": 1.0, "healthy_after": 30.0, "stop_timeout": 10.0}
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _supervisor(commands: dict, policy: dict = QUICK) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.supervisor_process",
            json.dumps(commands),
            json.dumps(policy),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, what: str):
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def _served_by(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return int(response.read())
    except OSError:
        return None


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _child_running(supervisor: subprocess.Popen, marker: str) -> psutil.Process | None:
    for child in psutil.Process(supervisor.pid).children():
        try:
            if marker in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def _web(port: int) -> list[str]:
    return [
        sys.executable, "-m", "hypercorn", "tests.support.tiny_asgi:app",
        "--bind", f"127.0.0.1:{port}", "--workers", "1",
    ]  # fmt: skip


@pytest.fixture
def cleanup():
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def test_a_killed_hypercorn_master_leaves_no_worker_serving_and_comes_back(cleanup):
    port = _free_port()
    supervisor = _supervisor({"web": _web(port), "worker": SLEEPER})
    cleanup.append(supervisor)
    first_worker = _wait_for(lambda: _served_by(port), "the web server")
    master = _wait_for(lambda: _child_running(supervisor, "hypercorn"), "the hypercorn master")
    sleeper = _child_running(supervisor, "time.sleep")

    master.send_signal(signal.SIGKILL)

    _wait_for(lambda: _gone(first_worker), "the orphaned worker to stop")
    second_worker = _wait_for(lambda: _served_by(port), "the web server to come back")
    assert second_worker != first_worker
    assert _child_running(supervisor, "time.sleep").pid == sleeper.pid

    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=PATIENCE_SECONDS) == 0
    _wait_for(lambda: _gone(second_worker) and _gone(sleeper.pid), "every child to stop")


def test_a_killed_hypercorn_worker_is_replaced_and_the_site_comes_back(cleanup):
    port = _free_port()
    supervisor = _supervisor({"web": _web(port), "worker": SLEEPER})
    cleanup.append(supervisor)
    first_worker = _wait_for(lambda: _served_by(port), "the web server")

    os.kill(first_worker, signal.SIGKILL)

    second_worker = _wait_for(
        lambda: (pid := _served_by(port)) and pid != first_worker and pid, "a new worker"
    )
    assert second_worker != first_worker
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=PATIENCE_SECONDS) == 0
    _wait_for(lambda: _gone(second_worker), "every child to stop")


def test_a_killed_queue_worker_is_started_again_without_stopping_the_rest(cleanup):
    supervisor = _supervisor({"worker": SLEEPER, "other": SLEEPER})
    cleanup.append(supervisor)
    _wait_for(lambda: len(psutil.Process(supervisor.pid).children()) == 2, "both children")
    first, other = psutil.Process(supervisor.pid).children()
    first.send_signal(signal.SIGKILL)
    _wait_for(
        lambda: {c.pid for c in psutil.Process(supervisor.pid).children()} - {first.pid, other.pid},
        "a new child",
    )
    assert not _gone(other.pid)
    assert "exited with code -9; starting it again" in _stop_and_read(supervisor)


def test_killing_the_supervisor_leaves_no_child_running(cleanup):
    port = _free_port()
    supervisor = _supervisor({"web": _web(port), "worker": SLEEPER})
    cleanup.append(supervisor)
    worker = _wait_for(lambda: _served_by(port), "the web server")
    descendants = [p.pid for p in psutil.Process(supervisor.pid).children(recursive=True)]
    assert worker in descendants

    supervisor.send_signal(signal.SIGKILL)
    supervisor.wait()

    _wait_for(lambda: all(_gone(pid) for pid in descendants), "every descendant to stop")
    assert _served_by(port) is None


def test_a_child_that_keeps_dying_stops_everything_with_one_error_line(cleanup):
    crasher = [sys.executable, "-c", "import sys; sys.exit(3)"]
    supervisor = _supervisor(
        {"crasher": crasher, "worker": SLEEPER},
        {**QUICK, "max_quick_failures": 3, "first_delay": 0.05},
    )
    cleanup.append(supervisor)
    assert supervisor.wait(timeout=PATIENCE_SECONDS) == 1
    errors = [line for line in supervisor.stderr.read().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "crasher stopped 3 times in a row" in errors[0]
    assert psutil.Process(os.getpid()).children(recursive=True) == [] or all(
        "time.sleep" not in " ".join(p.cmdline())
        for p in psutil.Process(os.getpid()).children(recursive=True)
    )


def _stop_and_read(supervisor: subprocess.Popen) -> str:
    supervisor.send_signal(signal.SIGTERM)
    _, stderr = supervisor.communicate(timeout=PATIENCE_SECONDS)
    assert supervisor.returncode == 0
    return stderr


async def test_a_hypercorn_worker_of_our_app_stops_when_its_master_is_killed(
    database_url, tmp_path
):
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database_url, AUTOFLOW_DATA_DIR=str(tmp_path / "data"))
    master = subprocess.Popen(
        [*_web(port)[:3], "app.asgi:app", *_web(port)[4:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[psutil.Process] = []
    try:
        _wait_for(lambda: _healthz(port), "the web server")
        workers = psutil.Process(master.pid).children(recursive=True)
        master.send_signal(signal.SIGKILL)
        master.wait()
        _wait_for(lambda: all(_gone(p.pid) for p in workers), "the orphaned worker to stop")
        assert not _healthz(port)
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
        for worker in workers:  # never leave one behind, even when the test fails
            if not _gone(worker.pid):
                worker.kill()


def _healthz(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
