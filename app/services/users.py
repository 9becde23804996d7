"""Accounts: validation, creation, the one-time first admin, and authentication."""

from __future__ import annotations

import re
from dataclasses import dataclass

import asyncpg

from app.auth.passwords import check_password, hash_password_async, password_problem
from app.db.engine import DB
from app.tables import User

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")
# Serialises "create the first admin" so two concurrent set-ups cannot both succeed.
FIRST_ADMIN_LOCK_KEY = 0x6669727374

__all__ = [
    "AccountProblem",
    "UsernameTaken",
    "UserRef",
    "authenticate",
    "create_first_admin",
    "create_user",
    "normalise_username",
    "user_count",
]


class AccountProblem(ValueError):
    """Input we refuse, with a message fit to show next to the form."""


class UsernameTaken(AccountProblem):
    """The name belongs to an account already (callers facing strangers must not say so)."""


@dataclass(frozen=True)
class UserRef:
    id: int
    username: str
    is_admin: bool


def normalise_username(raw: str) -> str:
    return raw.strip().lower()


def username_problem(username: str) -> str | None:
    if not USERNAME_PATTERN.fullmatch(username):
        return "Use 2–63 characters: lowercase letters, digits, dot, dash or underscore."
    return None


async def user_count() -> int:
    return await User.count()


async def create_user(username: str, password: str, *, is_admin: bool = False) -> UserRef:
    """Create an account; raises AccountProblem for a bad name, weak password or taken name."""
    username = normalise_username(username)
    problem = username_problem(username) or password_problem(password)
    if problem:
        raise AccountProblem(problem)
    try:
        rows = await User.insert(
            User(
                username=username,
                password_hash=await hash_password_async(password),
                is_admin=is_admin,
            )
        ).returning(User.id)
    except asyncpg.UniqueViolationError:
        raise UsernameTaken("That username is taken.") from None
    return UserRef(id=rows[0]["id"], username=username, is_admin=is_admin)


async def create_first_admin(username: str, password: str) -> UserRef:
    """Create the first account, an instance admin; refused once any account exists."""
    async with DB.transaction():
        await DB.run_ddl(f"SELECT pg_advisory_xact_lock({FIRST_ADMIN_LOCK_KEY})")
        if await User.exists():
            raise AccountProblem("Set-up is already complete: an account exists.")
        return await create_user(username, password, is_admin=True)


async def get_user(user_id: int) -> UserRef | None:
    row = await User.select(User.id, User.username, User.is_admin).where(User.id == user_id).first()
    return UserRef(**row) if row else None


async def authenticate(username: str, password: str) -> UserRef | None:
    """The account for these credentials, or None; costs the same whether the name exists."""
    row = (
        await User.select(User.id, User.username, User.is_admin, User.password_hash)
        .where(User.username == normalise_username(username))
        .first()
    )
    if not await check_password(password, row["password_hash"] if row else None) or row is None:
        return None
    return UserRef(id=row["id"], username=row["username"], is_admin=row["is_admin"])
