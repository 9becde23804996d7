"""Project secrets: write encrypted, read decrypted, show masked; and the process keyring.

A secret's plaintext leaves this module only to the code that uses it (an API client); pages,
API responses, logs and timeline events get `mask()` at most.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from app.crypto import Keyring, MasterKeyError, load_keyring
from app.db.engine import DB
from app.settings import Settings
from app.tables import ProjectSecret

logger = logging.getLogger(__name__)

# Secrets shorter than this show no characters at all when masked.
MIN_LENGTH_TO_SHOW_TAIL = 12
MASK = "••••"

# Every column holding a ciphertext, with the SQL expression of its context. Re-encryption
# and the start-up check walk this list; a new encrypted column must be added here.
ENCRYPTED_COLUMNS: list[tuple[str, str, str]] = [
    ("project_secrets", "ciphertext", "'project:' || project || ':' || name"),
    (
        "asana_webhooks",
        "secret_ciphertext",
        "'asana-webhook:' || project || ':' || resource_gid",
    ),
]

_keyring: Keyring | None = None


def use_keyring(keyring: Keyring) -> None:
    global _keyring
    _keyring = keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise MasterKeyError("the master key was not loaded at start-up")
    return _keyring


def secret_context(project_id: int, name: str) -> str:
    return f"project:{project_id}:{name}"


def mask(value: str | None) -> str | None:
    """`••••` plus the last 4 characters of a long secret; None when there is no secret."""
    if value is None:
        return None
    if len(value) < MIN_LENGTH_TO_SHOW_TAIL:
        return MASK
    return MASK + value[-4:]


@dataclass(frozen=True)
class SecretStatus:
    name: str
    masked: str | None
    updated_at: dt.datetime | None


async def write_secret(project_id: int, name: str, value: str, by_user: int | None = None) -> None:
    ciphertext = keyring().encrypt(value, secret_context(project_id, name))
    await ProjectSecret.raw(
        """
        INSERT INTO project_secrets (project, name, ciphertext, updated_at, updated_by)
        VALUES ({}, {}, {}, now(), {})
        ON CONFLICT (project, name) DO UPDATE
           SET ciphertext = EXCLUDED.ciphertext, updated_at = now(),
               updated_by = EXCLUDED.updated_by
        """,
        project_id,
        name,
        ciphertext,
        by_user,
    )


async def read_secret(project_id: int, name: str) -> str | None:
    row = (
        await ProjectSecret.select(ProjectSecret.ciphertext)
        .where((ProjectSecret.project == project_id) & (ProjectSecret.name == name))
        .first()
    )
    if row is None:
        return None
    return keyring().decrypt(row["ciphertext"], secret_context(project_id, name))


async def delete_secret(project_id: int, name: str) -> None:
    await ProjectSecret.delete().where(
        (ProjectSecret.project == project_id) & (ProjectSecret.name == name)
    )


async def secret_statuses(project_id: int, names: list[str]) -> list[SecretStatus]:
    rows = await ProjectSecret.select(
        ProjectSecret.name, ProjectSecret.ciphertext, ProjectSecret.updated_at
    ).where(ProjectSecret.project == project_id)
    by_name = {row["name"]: row for row in rows}
    statuses = []
    for name in names:
        row = by_name.get(name)
        if row is None:
            statuses.append(SecretStatus(name, None, None))
            continue
        plaintext = keyring().decrypt(row["ciphertext"], secret_context(project_id, name))
        statuses.append(SecretStatus(name, mask(plaintext), row["updated_at"]))
    return statuses


async def _sql(query: str, *args: object) -> list[dict]:
    # Table and column names come from ENCRYPTED_COLUMNS, never from input.
    return await ProjectSecret.raw(query, *args)


async def key_ids_in_use() -> set[str]:
    ids: set[str] = set()
    for table, column, _context in ENCRYPTED_COLUMNS:
        query = f"SELECT DISTINCT split_part({column}, ':', 2) AS kid FROM {table}"  # noqa: S608
        rows = await _sql(f"{query} WHERE {column} IS NOT NULL")
        ids.update(row["kid"] for row in rows)
    return ids


async def prepare_keyring(settings: Settings) -> Keyring:
    """Load (or, on first run, create) the master key, and refuse to go on when stored
    secrets were sealed by a key we do not have."""
    loaded = load_keyring(settings)
    in_use = await key_ids_in_use()
    if loaded is None:
        if in_use:
            raise MasterKeyError(
                "encrypted secrets exist but no master key is configured: restore "
                f"{settings.data_dir / 'master.key'} or set AUTOFLOW_MASTER_KEY"
            )
        loaded = load_keyring(settings, create=True)
        assert loaded is not None
        logger.info("created a new master key", extra={"key_id": loaded.current_id})
    missing = in_use - loaded.key_ids
    if missing:
        raise MasterKeyError(
            f"stored secrets were sealed by master key(s) {', '.join(sorted(missing))}, which "
            "are not configured: restore the key file or AUTOFLOW_MASTER_KEY / "
            "AUTOFLOW_RETIRED_MASTER_KEYS"
        )
    use_keyring(loaded)
    return loaded


async def reencrypt_all() -> int:
    """Seal every stored secret under the current key; return how many changed."""
    ring = keyring()
    changed = 0
    async with DB.transaction():
        for table, column, context in ENCRYPTED_COLUMNS:
            select = f"SELECT id, {column} AS value, {context} AS context FROM {table}"  # noqa: S608
            rows = await _sql(f"{select} WHERE {column} IS NOT NULL FOR UPDATE")
            for row in rows:
                if not ring.needs_reencryption(row["value"]):
                    continue
                sealed = ring.encrypt(ring.decrypt(row["value"], row["context"]), row["context"])
                await _sql(f"UPDATE {table} SET {column} = {{}} WHERE id = {{}}", sealed, row["id"])  # noqa: S608
                changed += 1
    return changed
