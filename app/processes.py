"""Running the web and worker processes side by side (`autoflow run`, `autoflow demo`).

A small supervisor, for a single machine without systemd; on a real server let systemd or
compose supervise `autoflow web` and `autoflow worker` instead (see README). What it promises:

- a child that dies is started again after a back-off (1 s, doubling to 30 s; reset once it
  has run for a while); one that keeps dying at once stops everything, with one error line;
- each child runs in a process group of its own, and whatever stops a child stops its whole
  group: a hypercorn master killed with SIGKILL cannot leave a worker serving on the port;
- each child is told by the kernel to stop when the supervisor dies, even by SIGKILL
  (PR_SET_PDEATHSIG, set by a tiny exec shim rather than `preexec_fn`, which is unsafe while
  the demo's sandbox thread runs).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Policy:
    first_delay: float = 1.0  # seconds before the first restart
    max_delay: float = 30.0
    healthy_after: float = 30.0  # a child that ran this long starts its back-off afresh
    max_quick_failures: int = 5  # this many quick deaths in a row stop everything
    stop_timeout: float = 10.0  # SIGTERM, then SIGKILL after this long
    poll_interval: float = 0.2


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    quick_failures: int = 0


def _shim(command: list[str]) -> list[str]:
    return [sys.executable, "-m", "app.processes", str(os.getpid()), *command]


def _start(child: Child, env: dict[str, str]) -> None:
    child.process = subprocess.Popen(_shim(child.command), env=env, process_group=0)
    child.started_at = time.monotonic()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_groups(processes: list[subprocess.Popen], timeout: float) -> None:
    """SIGTERM each child's whole group, wait (one deadline for all) until every member has
    gone, then SIGKILL whatever remains: a group may outlive its leader (a hypercorn worker
    whose master died, multiprocessing's resource tracker)."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout

    def lingering() -> list[subprocess.Popen]:
        return [p for p in processes if p.poll() is None or _group_alive(p.pid)]

    while lingering() and time.monotonic() < deadline:
        time.sleep(0.05)
    for process in lingering():
        _signal_group(process, signal.SIGKILL)
    for process in processes:
        process.wait()


def supervise(
    commands: dict[str, list[str]], env: dict[str, str], policy: Policy | None = None
) -> int:
    """Run the named children until asked to stop (0), or until one keeps dying (1)."""
    policy = policy or Policy()
    children = [Child(name, command) for name, command in commands.items()]
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        for child in children:
            _start(child, env)
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.process is None:
                    if now >= child.restart_at:
                        _start(child, env)
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                # Its group may still hold processes (a hypercorn worker whose master died).
                _stop_groups([child.process], policy.stop_timeout)
                child.process = None
                ran = now - child.started_at
                child.quick_failures = (
                    0 if ran >= policy.healthy_after else child.quick_failures + 1
                )
                if child.quick_failures >= policy.max_quick_failures:
                    print(
                        f"error: {child.name} stopped {child.quick_failures} times in a row "
                        f"within {policy.healthy_after:g} s of starting (last exit code {code}); "
                        "stopping everything",
                        file=sys.stderr,
                        flush=True,
                    )
                    status = 1
                    stopping = True
                    break
                delay = min(
                    policy.first_delay * 2 ** max(child.quick_failures - 1, 0), policy.max_delay
                )
                child.restart_at = now + delay
                print(
                    f"autoflow: {child.name} exited with code {code}; starting it again in "
                    f"{delay:g} s",
                    file=sys.stderr,
                    flush=True,
                )
            time.sleep(policy.poll_interval)
    finally:
        _stop_groups([c.process for c in children if c.process is not None], policy.stop_timeout)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to send this process SIGTERM when its parent dies (Linux only)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _exec_shim(argv: list[str]) -> None:
    """`python -m app.processes <supervisor pid> <command...>`: ask the kernel for SIGTERM when
    the supervisor dies, then become the command (the request survives exec)."""
    supervisor, command = int(argv[0]), argv[1:]
    die_with_parent()
    if os.getppid() != supervisor:  # it died before the request was in place
        sys.exit(1)
    os.execvp(command[0], command)  # noqa: S606 - our own command line, no shell


if __name__ == "__main__":
    _exec_shim(sys.argv[1:])
