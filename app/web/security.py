"""Request hooks: who is signed in, CSRF on every state-changing request, security headers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from quart import Quart, Response, abort, flash, g, redirect, request, session

from app.auth import sessions
from app.auth.secrets import same
from app.settings import Settings
from app.web.guards import SESSION_ENDED, page_they_were_on, sign_in_and_back

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Machine-to-machine routes authenticate every request themselves (signatures, bearer
# tokens) and carry no browser cookies, so CSRF does not apply to them.
CSRF_EXEMPT_PREFIXES = ("/webhooks/", "/api/v1/")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def signing_key(settings: Settings) -> str:
    """AUTOFLOW_SECRET_KEY, or a random key kept in the data directory (created once)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret.key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key; delete it to have a new one made")
    return key


def csrf_token() -> str:
    """The token forms and htmx requests must send back: per login session, or per browser
    (in the signed cookie) before login."""
    if g.get("session") is not None:
        return g.session.csrf_token
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def install(app: Quart, settings: Settings) -> None:
    app.secret_key = signing_key(settings)
    app.config.update(
        SESSION_COOKIE_NAME="autoflow_state",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
    )
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.before_request
    async def load_session() -> None:
        g.session = None
        g.project = None
        token = request.cookies.get(sessions.COOKIE_NAME)
        if token:
            g.session = await sessions.resume(token, settings)
            g.drop_session_cookie = g.session is None

    @app.before_request
    async def check_csrf() -> Response | None:
        if request.method in SAFE_METHODS or request.path.startswith(CSRF_EXEMPT_PREFIXES):
            return
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            abort(403, "cross-site request refused")
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form
            sent = form.get(CSRF_FIELD)
        if not sent or not same(sent, csrf_token()):
            return await _stale_form()
        return None

    @app.after_request
    async def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if settings.cookie_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if g.get("session") is not None or request.cookies.get(sessions.COOKIE_NAME):
            headers.setdefault("Cache-Control", "no-store")
        if g.get("drop_session_cookie"):
            response.delete_cookie(sessions.COOKIE_NAME)
        return response


# Pages anyone may open: a stale form there goes back to the page, not to sign-in.
PUBLIC_PAGES = ("/login", "/setup", "/invite/")
STALE_PAGE = "This page was out of date, so nothing was saved. It has been reloaded: try again."


async def _stale_form() -> Response:
    """A form whose token no longer matches: the session ended (or was replaced by a newer
    sign-in) since the page was loaded. Nothing is done; the person goes back to the page they
    were on, through the sign-in page when they are no longer signed in."""
    back = page_they_were_on()
    if g.get("session") is None and not back.startswith(PUBLIC_PAGES):
        await flash(SESSION_ENDED, "error")
        return sign_in_and_back(back)
    await flash(STALE_PAGE, "error")
    if request.headers.get("HX-Request") == "true":
        response = Response("", 409)
        response.headers["HX-Redirect"] = back
        return response
    return redirect(back, 303)


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=settings.session_max_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.cookie_secure,
        path="/",
    )
