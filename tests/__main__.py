"""`python -m tests`: the whole test suite, with what it needs from the system installed.

Pages are tested in Debian's chromium (Playwright cannot download browsers here); when it is
missing and we are root, it is installed with apt first. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def ensure_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(
            f"note: {CHROMIUM} is missing and cannot be installed here (needs root and apt); "
            "browser tests will be skipped. Install Debian's chromium to run them.",
            file=sys.stderr,
        )
        return
    print("Installing Debian's chromium for the browser tests...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
        check=True,
        env=env,
    )


def main() -> int:
    ensure_chromium()
    import pytest

    return pytest.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
