"""Project members and invitations.

An invite link carries a random token; only its digest is stored. It is valid for
INVITE_TTL, works once, and either creates an account or adds an existing one to the project.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from app.auth.secrets import digest, new_token
from app.db.engine import DB
from app.services.projects import Role
from app.services.users import AccountProblem, UsernameTaken, UserRef, create_user
from app.tables import Invite, ProjectMembership

INVITE_TTL = dt.timedelta(days=7)
USERNAME_UNAVAILABLE = (
    "Choose another username: that one cannot be used. If you already have an account, "
    "sign in first and open this link again."
)


class MemberProblem(ValueError):
    """A change to membership we refuse, with a message fit to show to the admin."""


class InviteState(StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    role: Role
    joined_at: dt.datetime


@dataclass(frozen=True)
class PendingInvite:
    id: int
    role: Role
    created_by: str | None
    expires_at: dt.datetime


@dataclass(frozen=True)
class InviteView:
    """What the invite page may show about a token."""

    state: InviteState
    project_id: int | None = None
    project_name: str | None = None
    role: Role | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def list_members(project_id: int) -> list[Member]:
    rows = (
        await ProjectMembership.select(
            ProjectMembership.user.id.as_alias("user_id"),
            ProjectMembership.user.username.as_alias("username"),
            ProjectMembership.role,
            ProjectMembership.created_at,
        )
        .where(ProjectMembership.project == project_id)
        .order_by(ProjectMembership.user.username)
    )
    return [Member(r["user_id"], r["username"], Role(r["role"]), r["created_at"]) for r in rows]


async def _admin_count(project_id: int) -> int:
    return await ProjectMembership.count().where(
        (ProjectMembership.project == project_id) & (ProjectMembership.role == Role.ADMIN.value)
    )


async def set_role(project_id: int, user_id: int, role: Role) -> None:
    """Change a member's role; a project always keeps at least one admin."""
    async with DB.transaction():
        await _lock_project_members(project_id)
        current = (
            await ProjectMembership.select(ProjectMembership.role)
            .where((ProjectMembership.project == project_id) & (ProjectMembership.user == user_id))
            .first()
        )
        if current is None:
            raise MemberProblem("That person is not a member of this project.")
        if current["role"] == Role.ADMIN and role is not Role.ADMIN:
            if await _admin_count(project_id) <= 1:
                raise MemberProblem("A project needs at least one admin: promote someone first.")
        await ProjectMembership.update({ProjectMembership.role: role.value}).where(
            (ProjectMembership.project == project_id) & (ProjectMembership.user == user_id)
        )


async def remove_member(project_id: int, user_id: int) -> None:
    async with DB.transaction():
        await _lock_project_members(project_id)
        current = (
            await ProjectMembership.select(ProjectMembership.role)
            .where((ProjectMembership.project == project_id) & (ProjectMembership.user == user_id))
            .first()
        )
        if current is None:
            raise MemberProblem("That person is not a member of this project.")
        if current["role"] == Role.ADMIN and await _admin_count(project_id) <= 1:
            raise MemberProblem("A project needs at least one admin: promote someone first.")
        await ProjectMembership.delete().where(
            (ProjectMembership.project == project_id) & (ProjectMembership.user == user_id)
        )


async def _lock_project_members(project_id: int) -> None:
    # Two admins demoting each other at once must not leave the project without an admin.
    await DB.run_ddl(f"SELECT pg_advisory_xact_lock(7, {int(project_id)})")


async def create_invite(project_id: int, role: Role, created_by: int) -> str:
    """Create an invite; return its token (shown once, never stored in clear)."""
    token = new_token()
    now = _now()
    await Invite.insert(
        Invite(
            token_hash=digest(token),
            project=project_id,
            role=role.value,
            created_by=created_by,
            created_at=now,
            expires_at=now + INVITE_TTL,
        )
    )
    return token


async def pending_invites(project_id: int) -> list[PendingInvite]:
    rows = (
        await Invite.select(
            Invite.id, Invite.role, Invite.created_by.username.as_alias("by"), Invite.expires_at
        )
        .where(
            (Invite.project == project_id) & Invite.used_at.is_null() & (Invite.expires_at > _now())
        )
        .order_by(Invite.created_at, ascending=False)
    )
    return [PendingInvite(r["id"], Role(r["role"]), r["by"], r["expires_at"]) for r in rows]


async def revoke_invite(project_id: int, invite_id: int) -> bool:
    deleted = (
        await Invite.delete()
        .where((Invite.id == invite_id) & (Invite.project == project_id) & Invite.used_at.is_null())
        .returning(Invite.id)
    )
    return bool(deleted)


async def inspect_invite(token: str) -> InviteView:
    row = (
        await Invite.select(
            Invite.project.id.as_alias("project_id"),
            Invite.project.name.as_alias("project_name"),
            Invite.role,
            Invite.used_at,
            Invite.expires_at,
        )
        .where(Invite.token_hash == digest(token))
        .first()
    )
    if row is None:
        return InviteView(InviteState.UNKNOWN)
    if row["used_at"] is not None:
        state = InviteState.USED
    elif row["expires_at"] <= _now():
        state = InviteState.EXPIRED
    else:
        state = InviteState.VALID
    return InviteView(state, row["project_id"], row["project_name"], Role(row["role"]))


async def _claim(token: str, user_id: int) -> InviteView:
    """Mark the invite used by this user, atomically: of two concurrent claims one wins."""
    claimed = await Invite.raw(
        """
        UPDATE invites SET used_at = now(), used_by = {}
         WHERE token_hash = {} AND used_at IS NULL AND expires_at > now()
        RETURNING project, role
        """,
        user_id,
        digest(token),
    )
    if not claimed:
        raise MemberProblem("This invite is no longer valid.")
    return InviteView(InviteState.VALID, claimed[0]["project"], None, Role(claimed[0]["role"]))


async def accept_as_new_user(token: str, username: str, password: str) -> UserRef:
    """Create an account from a valid invite and add it to the project, all or nothing."""
    async with DB.transaction():
        try:
            user = await create_user(username, password)
        except UsernameTaken:
            # Whoever holds an invite link must not learn which accounts exist.
            raise MemberProblem(USERNAME_UNAVAILABLE) from None
        except AccountProblem as problem:
            raise MemberProblem(str(problem)) from None
        invite = await _claim(token, user.id)
        await ProjectMembership.insert(
            ProjectMembership(project=invite.project_id, user=user.id, role=invite.role.value)
        )
    return user


async def accept_as_existing_user(token: str, user_id: int) -> int:
    """Add a signed-in user to the invite's project; return the project id. An existing
    membership keeps the higher of its role and the invited one."""
    async with DB.transaction():
        invite = await _claim(token, user_id)
        assert invite.role is not None and invite.project_id is not None
        current = (
            await ProjectMembership.select(ProjectMembership.role)
            .where(
                (ProjectMembership.project == invite.project_id)
                & (ProjectMembership.user == user_id)
            )
            .first()
        )
        if current is None:
            try:
                await ProjectMembership.insert(
                    ProjectMembership(
                        project=invite.project_id, user=user_id, role=invite.role.value
                    )
                )
            except asyncpg.UniqueViolationError:
                raise MemberProblem("You are already a member of this project.") from None
        elif not Role(current["role"]).allows(invite.role):
            await ProjectMembership.update({ProjectMembership.role: invite.role.value}).where(
                (ProjectMembership.project == invite.project_id)
                & (ProjectMembership.user == user_id)
            )
    return invite.project_id


async def delete_spent_invites(now: dt.datetime) -> int:
    """Remove invites that expired or were used more than a TTL ago."""
    cutoff = now - INVITE_TTL
    deleted = (
        await Invite.delete()
        .where((Invite.expires_at < cutoff) | (Invite.used_at < cutoff))
        .returning(Invite.id)
    )
    return len(deleted)
