"""Throttling of login attempts, per account and per client address.

The two limits differ on purpose. Per client, an address that keeps failing is blocked for a
long time. Per account, the block is short and grows with repeated failures but is capped,
so that an attacker guessing from many addresses slows guessing down without locking the
real user out for long.

An attempt is counted *before* the password is checked, in the same statement that decides
whether it may go ahead: 25 wrong passwords sent at once get exactly the free allowance of
checks, from any number of processes. A success gives its count back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.db.engine import fetch
from app.tables import LoginThrottle

# Attempts are counted within a window of this length (restarted on the first attempt after
# it ends).
WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FREE_FAILURES = 5
# Block after the free attempts: 2, 4, 8, ... seconds, never more than this.
ACCOUNT_MAX_BLOCK = dt.timedelta(seconds=60)
CLIENT_FREE_FAILURES = 30
CLIENT_BLOCK = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Limit:
    free: int  # attempts allowed before the first block
    first_block_seconds: int
    growth: int  # each further attempt multiplies the block by this
    max_block_seconds: int


ACCOUNT_LIMIT = Limit(ACCOUNT_FREE_FAILURES, 2, 2, int(ACCOUNT_MAX_BLOCK.total_seconds()))
_CLIENT_BLOCK_SECONDS = int(CLIENT_BLOCK.total_seconds())
CLIENT_LIMIT = Limit(CLIENT_FREE_FAILURES, _CLIENT_BLOCK_SECONDS, 1, _CLIENT_BLOCK_SECONDS)


def account_key(username: str) -> str:
    return f"account:{username.strip().lower()[:150]}"


def client_key(address: str | None) -> str:
    return f"client:{address or 'unknown'}"


def invite_key(token_digest: str) -> str:
    return f"invite:{token_digest[:32]}"


def limit_for(key: str) -> Limit:
    return ACCOUNT_LIMIT if key.startswith(("account:", "invite:")) else CLIENT_LIMIT


_COUNT = """(CASE WHEN login_throttle.window_started_at < $3::timestamptz THEN 1
                 ELSE login_throttle.failures + 1 END)"""

# Count the attempt unless the key is blocked; the attempt that uses up the free allowance
# (and every later one) sets the block for the next, in the same statement. The row lock of
# ON CONFLICT serialises concurrent attempts on one key.
_ATTEMPT = f"""
INSERT INTO login_throttle (key, failures, window_started_at, blocked_until)
VALUES ($1::varchar, 1, $2::timestamptz, NULL)
ON CONFLICT (key) DO UPDATE SET
    failures = {_COUNT},
    window_started_at = CASE WHEN login_throttle.window_started_at < $3::timestamptz
                             THEN EXCLUDED.window_started_at
                             ELSE login_throttle.window_started_at END,
    blocked_until = CASE WHEN {_COUNT} >= $4::integer THEN
        $2::timestamptz + make_interval(secs => least(
            $5::double precision
                * power($6::double precision, least({_COUNT} - $4::integer, 20)),
            $7::double precision))
    END
WHERE login_throttle.blocked_until IS NULL OR login_throttle.blocked_until <= $2::timestamptz
RETURNING failures
"""  # noqa: S608 - built from module constants only


async def attempt(keys: list[str], now: dt.datetime) -> int:
    """Count an attempt against every key, unless one is blocked. Returns 0 when the attempt
    may go ahead (it is counted), else how many whole seconds to wait."""
    for key in keys:
        limit = limit_for(key)
        rows = await fetch(
            _ATTEMPT,
            key,
            now,
            now - WINDOW,
            limit.free,
            limit.first_block_seconds,
            limit.growth,
            limit.max_block_seconds,
        )
        if not rows:
            return await seconds_blocked([key], now)
    return 0


async def seconds_blocked(keys: list[str], now: dt.datetime) -> int:
    """How long, in whole seconds, any of these keys must still wait (0: may try now)."""
    rows = await LoginThrottle.select(LoginThrottle.blocked_until).where(
        LoginThrottle.key.is_in(keys) & (LoginThrottle.blocked_until > now)
    )
    if not rows:
        return 0
    latest = max(row["blocked_until"] for row in rows)
    return max(1, int((latest - now).total_seconds() + 0.999))


async def forgive(key: str) -> None:
    """Give back the attempt a success used: it was not a failure."""
    await fetch(
        """
        UPDATE login_throttle
           SET failures = greatest(failures - 1, 0),
               blocked_until = CASE WHEN failures - 1 < $2::integer THEN NULL
                                    ELSE blocked_until END
         WHERE key = $1::varchar
        """,
        key,
        limit_for(key).free,
    )


async def clear(key: str) -> None:
    await LoginThrottle.delete().where(LoginThrottle.key == key)


async def delete_stale(now: dt.datetime) -> int:
    deleted = (
        await LoginThrottle.delete()
        .where(
            (LoginThrottle.window_started_at < now - WINDOW)
            & ((LoginThrottle.blocked_until.is_null()) | (LoginThrottle.blocked_until < now))
        )
        .returning(LoginThrottle.id)
    )
    return len(deleted)
