"""Run the sandbox: `python -m app.sandbox --host 127.0.0.1 --asana-port 0`."""

import sys

from app.sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
