"""The ASGI entry point for hypercorn: `hypercorn app.asgi:app` (settings from the environment).

Behind a reverse proxy (AUTOFLOW_PROXY_HOPS) `create_app` itself trusts its X-Forwarded-*.
"""

from app.main import create_app
from app.settings import Settings

settings = Settings.from_env()
app = create_app(settings)
