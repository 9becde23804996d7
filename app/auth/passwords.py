"""Password hashing with argon2id (passlib), and the rules a new password must meet.

Hashing and verifying are deliberately slow and memory-hungry, so the web process never runs
them on its event loop (webhooks share that loop and must answer within seconds): they run on
a small pool of threads of their own (argon2's C code releases the GIL), which also bounds how
many run at once, however many people sign in together.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from passlib.context import CryptContext

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# Hashes computed at once per process; more wait their turn in the pool's queue.
MAX_CONCURRENT_HASHES = max(2, min(4, os.cpu_count() or 2))
THREAD_NAME_PREFIX = "autoflow-password"

_context = CryptContext(schemes=["argon2"], argon2__type="ID")
_pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_HASHES, thread_name_prefix=THREAD_NAME_PREFIX)

# Verified against when the username is unknown, so that an unknown user and a wrong
# password cost the same time and cannot be told apart.
_UNKNOWN_USER_HASH = _context.hash("autoflow: no such user")


def hash_password(password: str) -> str:
    """Blocking: for the command line. Code on an event loop awaits `hash_password_async`."""
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Blocking: for the command line. Code on an event loop awaits `check_password`."""
    if password_hash is None:
        _context.verify(password, _UNKNOWN_USER_HASH)
        return False
    return _context.verify(password, password_hash)


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


async def check_password(password: str, password_hash: str | None) -> bool:
    """Whether the password matches (None: an unknown user, at the same cost), off the loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, verify_password, password, password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    return None
