"""The access log names the invite route, never the invite token (a bearer credential)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

from app.cli import ACCESS_LOG_CONFIG
from tests.support.processes import PATIENCE_SECONDS, ROOT
from tests.test_supervisor import _free_port, _served_by, _wait_for

TOKEN = "Zq3-invite-token-that-must-never-be-logged"


def test_the_access_log_never_holds_an_invite_token(tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "hypercorn", "tests.support.tiny_asgi:app",
                "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
                "--config", ACCESS_LOG_CONFIG,
            ],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(lambda: _served_by(port), "the server")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invite/{TOKEN}",
            headers={"Referer": f"http://127.0.0.1:{port}/invite/{TOKEN}"},
        )
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - http to ourselves
        _wait_for(lambda: "/invite/" in log.read_text(), "the access log line")
    finally:
        server.terminate()
        server.wait(timeout=PATIENCE_SECONDS)
    text = log.read_text()
    assert TOKEN not in text
    assert "GET /invite/<token>" in text
