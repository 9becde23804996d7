"""Running the web and worker processes side by side (`autoflow run`, `autoflow demo`)."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any


def supervise(commands: list[list[str]], env: dict[str, str]) -> int:
    """Run the children until one stops or we are asked to stop; stop the others."""
    children = [subprocess.Popen(command, env=env) for command in commands]
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(child.poll() is None for child in children):
        try:
            children[0].wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
    if not stopping:
        print("error: a process stopped unexpectedly; stopping the others", file=sys.stderr)
        stop(signal.SIGTERM, None)
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0 if stopping else 1
