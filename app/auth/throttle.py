"""Throttling of failed logins, per account and per client address.

The two limits differ on purpose. Per client, an address that keeps failing is blocked for a
long time. Per account, the block is short and grows with repeated failures but is capped,
so that an attacker guessing from many addresses slows guessing down without locking the
real user out for long.
"""

from __future__ import annotations

import datetime as dt

from app.tables import LoginThrottle

# Failures are counted within a sliding window of this length (restarted on the first
# failure after it ends).
WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FREE_FAILURES = 5
# Block after the free failures: 2, 4, 8, ... seconds, never more than this.
ACCOUNT_MAX_BLOCK = dt.timedelta(seconds=60)
CLIENT_FREE_FAILURES = 30
CLIENT_BLOCK = dt.timedelta(minutes=15)


def account_key(username: str) -> str:
    return f"account:{username.strip().lower()[:150]}"


def client_key(address: str | None) -> str:
    return f"client:{address or 'unknown'}"


def _block_after(key: str, failures: int) -> dt.timedelta | None:
    if key.startswith("account:"):
        if failures < ACCOUNT_FREE_FAILURES:
            return None
        seconds = 2 ** (failures - ACCOUNT_FREE_FAILURES + 1)
        return min(dt.timedelta(seconds=seconds), ACCOUNT_MAX_BLOCK)
    if failures < CLIENT_FREE_FAILURES:
        return None
    return CLIENT_BLOCK


async def seconds_blocked(keys: list[str], now: dt.datetime) -> int:
    """How long, in whole seconds, any of these keys must still wait (0: may try now)."""
    rows = await LoginThrottle.select(LoginThrottle.blocked_until).where(
        LoginThrottle.key.is_in(keys) & (LoginThrottle.blocked_until > now)
    )
    if not rows:
        return 0
    latest = max(row["blocked_until"] for row in rows)
    return max(1, int((latest - now).total_seconds() + 0.999))


async def record_failure(keys: list[str], now: dt.datetime) -> None:
    for key in keys:
        # One atomic upsert: concurrent failures from several processes all count.
        rows = await LoginThrottle.raw(
            """
            INSERT INTO login_throttle (key, failures, window_started_at, blocked_until)
            VALUES ({}, 1, {}, NULL)
            ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN login_throttle.window_started_at < {}
                                THEN 1 ELSE login_throttle.failures + 1 END,
                window_started_at = CASE WHEN login_throttle.window_started_at < {}
                                THEN EXCLUDED.window_started_at
                                ELSE login_throttle.window_started_at END
            RETURNING failures
            """,
            key,
            now,
            now - WINDOW,
            now - WINDOW,
        )
        block = _block_after(key, rows[0]["failures"])
        if block is not None:
            await LoginThrottle.update({LoginThrottle.blocked_until: now + block}).where(
                LoginThrottle.key == key
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
