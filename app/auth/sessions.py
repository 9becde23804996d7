"""Login sessions kept in PostgreSQL; the browser holds a random id, we keep its digest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.auth.secrets import digest, new_token
from app.settings import Settings
from app.tables import Session

COOKIE_NAME = "autoflow_session"
# last_seen_at is written at most this often, so that reading pages does not write every time.
TOUCH_INTERVAL = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class CurrentSession:
    session_id: int
    user_id: int
    username: str
    is_admin: bool
    csrf_token: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def start(user_id: int, settings: Settings, *, replacing: str | None = None) -> str:
    """Open a new session for the user (ending the one it replaces); return the cookie value."""
    if replacing:
        await end(replacing)
    token = new_token()
    now = _now()
    await Session.insert(
        Session(
            user=user_id,
            token_hash=digest(token),
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.session_max_hours),
        )
    )
    return token


async def resume(token: str, settings: Settings) -> CurrentSession | None:
    """The live session for this cookie value, or None when unknown, idle too long or expired."""
    now = _now()
    row = (
        await Session.select(
            Session.id,
            Session.csrf_token,
            Session.last_seen_at,
            Session.expires_at,
            Session.user.id.as_alias("user_id"),
            Session.user.username.as_alias("username"),
            Session.user.is_admin.as_alias("is_admin"),
        )
        .where(Session.token_hash == digest(token))
        .first()
    )
    if row is None:
        return None
    idle_limit = row["last_seen_at"] + dt.timedelta(minutes=settings.session_idle_minutes)
    if now >= row["expires_at"] or now >= idle_limit:
        await Session.delete().where(Session.id == row["id"])
        return None
    if now - row["last_seen_at"] >= TOUCH_INTERVAL:
        await Session.update({Session.last_seen_at: now}).where(Session.id == row["id"])
    return CurrentSession(
        session_id=row["id"],
        user_id=row["user_id"],
        username=row["username"],
        is_admin=row["is_admin"],
        csrf_token=row["csrf_token"],
    )


async def end(token: str) -> None:
    await Session.delete().where(Session.token_hash == digest(token))


async def end_all_for(user_id: int) -> None:
    await Session.delete().where(Session.user == user_id)


async def delete_expired(now: dt.datetime, settings: Settings) -> int:
    idle_cutoff = now - dt.timedelta(minutes=settings.session_idle_minutes)
    deleted = (
        await Session.delete()
        .where((Session.expires_at <= now) | (Session.last_seen_at <= idle_cutoff))
        .returning(Session.id)
    )
    return len(deleted)


__all__ = ["COOKIE_NAME", "CurrentSession", "delete_expired", "end", "resume", "start"]
