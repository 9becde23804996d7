"""`python -m tests.support.supervisor_process '<commands json>' '<policy json>'`: our supervisor
around the given commands, as `autoflow run` uses it, with a test's quicker policy."""

import json
import os
import sys

from app.processes import Policy, supervise

if __name__ == "__main__":
    commands, policy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    sys.exit(supervise(commands, dict(os.environ), Policy(**policy)))
