"""The ASGI entry point for hypercorn: `hypercorn app.asgi:app` (settings from the environment)."""

import multiprocessing

from hypercorn.middleware import ProxyFixMiddleware

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
if settings.proxy_hops:
    # Behind Caddy the client address (login throttling) and scheme come from its headers.
    app = ProxyFixMiddleware(app, mode="legacy", trusted_hops=settings.proxy_hops)
