"""The ASGI entry point for hypercorn: `hypercorn app.asgi:app` (settings from the environment).

Behind a reverse proxy (AUTOFLOW_PROXY_HOPS) `create_app` itself trusts its X-Forwarded-*.
"""

import multiprocessing

from app.main import create_app
from app.processes import die_with_parent
from app.settings import Settings, SettingsError

if multiprocessing.parent_process() is not None:
    # A hypercorn worker: if its master is killed (even by SIGKILL), stop instead of serving
    # on as an orphan that holds the port.
    die_with_parent()

try:
    settings = Settings.from_env()
except SettingsError as error:
    # One line of ours, not a traceback, when hypercorn is started on a bad setting directly.
    raise SystemExit(f"error: {error}") from None
app = create_app(settings)
