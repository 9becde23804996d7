"""API tokens: made by a project admin, shown once, kept as a SHA-256 digest, revocable.

A token looks like `afp_` + 40 random base62 characters + a 6-character checksum (CRC32 of the
random part, base62). The fixed prefix lets secret scanners recognise a leaked token, and the
checksum lets them (and us) tell a real token from a look-alike without a database lookup.

A token acts for its project with the rights of the admin who made it, for as long as that
person remains an admin of the project: demote or remove them and their tokens stop working.
Authenticating also counts the request in the token's fixed one-minute window, in the same
UPDATE, so the limit holds across any number of web processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import zlib
from dataclasses import dataclass

from app.auth.secrets import digest
from app.services.text import storable
from app.tables import ApiToken

PREFIX = "afp_"
RANDOM_LENGTH = 40  # base62 characters: about 238 bits
CHECKSUM_LENGTH = 6  # base62 of a CRC32 (at most 4294967295 < 62**6)
SHOWN_PREFIX_LENGTH = len(PREFIX) + 8  # what the list shows to recognise a token
MAX_NAME = 100
WINDOW_SECONDS = 60
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

logger = logging.getLogger(__name__)


class TokenProblem(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    created_by: str | None


@dataclass(frozen=True)
class TokenUse:
    """A request authenticated by a token, and where it stands in its rate window."""

    token_id: int
    project_id: int
    project_slug: str
    project_name: str
    acting_user_id: int | None
    hits: int  # requests in the current window, this one included
    retry_after: int  # whole seconds until the window ends (at least 1)


def _base62(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        out.append(ALPHABET[rest])
    return "".join(reversed(out))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def new_token_value() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return PREFIX + body + _checksum(body)


def well_formed(value: str) -> bool:
    """Shape and checksum only: a typo or a look-alike is refused without a query."""
    if len(value) != len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH or not value.startswith(PREFIX):
        return False
    body = value[len(PREFIX) : len(PREFIX) + RANDOM_LENGTH]
    if any(c not in ALPHABET for c in body):
        return False
    return secrets.compare_digest(value[-CHECKSUM_LENGTH:], _checksum(body))


def name_problem(name: str) -> str | None:
    if not name:
        return "Give the token a name, e.g. what will use it."
    if len(name) > MAX_NAME:
        return f"Keep the name under {MAX_NAME} characters."
    if not storable(name):
        return "The name holds a character that cannot be stored (NUL or a lone surrogate)."
    return None


async def create_token(project_id: int, name: str, by_user: int) -> tuple[TokenView, str]:
    """A new token; the plaintext is returned once and never stored."""
    name = (name or "").strip()
    if problem := name_problem(name):
        raise TokenProblem({"name": problem})
    value = new_token_value()
    rows = await ApiToken.insert(
        ApiToken(
            project=project_id,
            name=name,
            token_hash=digest(value),
            prefix=value[:SHOWN_PREFIX_LENGTH],
            created_by=by_user,
        )
    ).returning(ApiToken.id, ApiToken.created_at)
    logger.info(
        "api token created",
        extra={"project_id": project_id, "token_id": rows[0]["id"], "user_id": by_user},
    )
    view = TokenView(rows[0]["id"], name, value[:SHOWN_PREFIX_LENGTH], rows[0]["created_at"],
                     None, None, None)  # fmt: skip
    return view, value


async def list_tokens(project_id: int) -> list[TokenView]:
    """Every token of the project, active ones first, newest first."""
    rows = await ApiToken.raw(
        """
        SELECT t.id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at,
               u.username AS created_by
          FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by
         WHERE t.project = {}
         ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC, t.id DESC
        """,
        project_id,
    )
    return [TokenView(**row) for row in rows]


async def revoke_token(project_id: int, token_id: int) -> bool:
    """Revoke a token of this project (again is harmless); False when there is none."""
    if not 0 < token_id < 2**31:
        return False
    rows = await ApiToken.raw(
        """
        UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
         WHERE id = {} AND project = {} RETURNING id
        """,
        token_id,
        project_id,
    )
    if rows:
        logger.info("api token revoked", extra={"project_id": project_id, "token_id": token_id})
    return bool(rows)


async def authenticate(value: str) -> TokenUse | None:
    """The token's project and rate window, counting this request; None for a token that is
    malformed, unknown, revoked, or whose maker is no longer an admin of the project.

    One UPDATE does it all: under READ COMMITTED, concurrent updates of the same row wait for
    each other and re-read it, so `window_hits` is an exact count across processes."""
    if not well_formed(value):
        return None
    rows = await ApiToken.raw(
        f"""
        UPDATE api_tokens AS t SET
               last_used_at = now(),
               window_hits = CASE
                   WHEN t.window_start = date_bin('{WINDOW_SECONDS} seconds', now(),
                                                  TIMESTAMPTZ '2000-01-01 00:00:00+00')
                   THEN t.window_hits + 1 ELSE 1 END,
               window_start = date_bin('{WINDOW_SECONDS} seconds', now(),
                                       TIMESTAMPTZ '2000-01-01 00:00:00+00')
          FROM projects AS p
         WHERE t.token_hash = {{}} AND t.revoked_at IS NULL AND p.id = t.project
           AND EXISTS (SELECT 1 FROM project_memberships m
                        WHERE m.project = t.project AND m."user" = t.created_by
                          AND m.role = 'admin')
        RETURNING t.id, t.project, p.slug, p.name, t.created_by, t.window_hits,
                  greatest(1, ceil(extract(epoch FROM
                      t.window_start + interval '{WINDOW_SECONDS} seconds' - now())))::int
                      AS retry_after
        """,  # noqa: S608 -- only our integer constant is formatted in; the digest is a parameter
        digest(value),
    )
    if not rows:
        return None
    row = rows[0]
    return TokenUse(
        token_id=row["id"],
        project_id=row["project"],
        project_slug=row["slug"],
        project_name=row["name"],
        acting_user_id=row["created_by"],
        hits=row["window_hits"],
        retry_after=row["retry_after"],
    )
