"""Accounts, login sessions and login throttling.

Secrets are never stored in clear: passwords as argon2id hashes, session ids and invite
tokens as SHA-256 digests (they are long random values, so a fast hash is enough).
"""

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="users"):
    username = Varchar(length=64, unique=True)
    password_hash = Text()
    # Instance administrators may create projects; everything inside a project is governed
    # by project_memberships.
    is_admin = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class Session(Table, tablename="sessions"):
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False)
    token_hash = Varchar(length=64, unique=True)
    csrf_token = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(index=True)


class LoginThrottle(Table, tablename="login_throttle"):
    """Recent failed logins per key (`account:<name>` or `client:<address>`)."""

    key = Varchar(length=200, unique=True)
    failures = Integer(default=0)
    window_started_at = Timestamptz(default=TimestamptzNow())
    blocked_until = Timestamptz(null=True, default=None)
