"""Secrets at rest: AES-GCM under a rotating master key, bound to their row, shown masked."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from app.crypto import Keyring, MasterKeyError, decode_key, load_keyring, new_key_text
from app.services import secrets
from app.tables import ProjectSecret

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghp_example_plaintext_token_1234567890abcd"


def _ring() -> Keyring:
    return Keyring(decode_key(new_key_text()))


def test_a_ciphertext_opens_only_with_its_key_and_its_context():
    ring = _ring()
    sealed = ring.encrypt(TOKEN, "project:1:github_token")
    assert TOKEN not in sealed and sealed.startswith(f"v1:{ring.current_id}:")
    assert ring.decrypt(sealed, "project:1:github_token") == TOKEN
    with pytest.raises(MasterKeyError, match="integrity"):
        ring.decrypt(sealed, "project:2:github_token")
    with pytest.raises(MasterKeyError, match="not configured"):
        _ring().decrypt(sealed, "project:1:github_token")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(MasterKeyError):
        ring.decrypt(tampered, "project:1:github_token")


def test_the_same_secret_encrypts_differently_each_time():
    ring = _ring()
    assert ring.encrypt(TOKEN, "c") != ring.encrypt(TOKEN, "c")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, None), ("short", "••••"), ("exactly11ch", "••••"), (TOKEN, "••••abcd")],
)
def test_a_secret_is_shown_masked_with_at_most_its_last_four_characters(value, shown):
    assert secrets.mask(value) == shown


@pytest.mark.parametrize("bad", ["", "abc", "x" * 43 + "!"])
def test_a_malformed_master_key_is_refused(bad):
    with pytest.raises(MasterKeyError, match="32 bytes"):
        decode_key(bad)


async def test_first_run_creates_a_private_key_file(db, settings):
    await secrets.prepare_keyring(settings)
    key_file = settings.data_dir / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


async def test_secrets_are_stored_encrypted_and_read_back(db, settings, make_user, make_project):
    await secrets.prepare_keyring(settings)
    project = await make_project(await make_user(is_admin=True))
    await secrets.write_secret(project.id, "github_token", TOKEN)
    await secrets.write_secret(project.id, "github_token", TOKEN + "x")  # replace
    raw = await ProjectSecret.select(ProjectSecret.ciphertext)
    assert len(raw) == 1 and TOKEN not in raw[0]["ciphertext"]
    assert await secrets.read_secret(project.id, "github_token") == TOKEN + "x"
    statuses = await secrets.secret_statuses(project.id, ["github_token", "asana_pat"])
    assert [(s.name, s.masked) for s in statuses] == [
        ("github_token", "••••bcdx"),
        ("asana_pat", None),
    ]


async def test_a_secret_copied_to_another_project_does_not_decrypt(
    db, settings, make_user, make_project
):
    await secrets.prepare_keyring(settings)
    owner = await make_user(is_admin=True)
    one, two = await make_project(owner), await make_project(owner)
    await secrets.write_secret(one.id, "asana_pat", TOKEN)
    stolen = (await ProjectSecret.select(ProjectSecret.ciphertext).first())["ciphertext"]
    await ProjectSecret.insert(ProjectSecret(project=two.id, name="asana_pat", ciphertext=stolen))
    with pytest.raises(MasterKeyError, match="integrity"):
        await secrets.read_secret(two.id, "asana_pat")


async def test_start_up_refuses_when_secrets_exist_but_the_key_is_gone(
    db, settings, make_user, make_project
):
    await secrets.prepare_keyring(settings)
    project = await make_project(await make_user(is_admin=True))
    await secrets.write_secret(project.id, "asana_pat", TOKEN)
    (settings.data_dir / "master.key").unlink()
    with pytest.raises(MasterKeyError, match="encrypted secrets exist but no master key"):
        await secrets.prepare_keyring(settings)
    other = settings.replace(master_key=new_key_text())
    with pytest.raises(MasterKeyError, match="are not configured"):
        await secrets.prepare_keyring(other)


async def test_rotation_reencrypts_everything_and_old_data_still_decrypts(
    db, settings, make_user, make_project
):
    from app.crypto import rotate_key_file

    old = await secrets.prepare_keyring(settings)
    owner = await make_user(is_admin=True)
    projects = [await make_project(owner) for _ in range(3)]
    for project in projects:
        await secrets.write_secret(project.id, "github_token", f"{TOKEN}-{project.id}")

    new = rotate_key_file(settings)
    assert new.current_id != old.current_id and old.current_id in new.key_ids
    secrets.use_keyring(new)
    # Before re-encryption the old ciphertexts still open, with the retired key.
    assert await secrets.read_secret(projects[0].id, "github_token") == f"{TOKEN}-{projects[0].id}"

    assert await secrets.reencrypt_all() == 3
    assert await secrets.key_ids_in_use() == {new.current_id}
    assert await secrets.reencrypt_all() == 0
    reloaded = load_keyring(settings)
    assert reloaded is not None and reloaded.current_id == new.current_id
    for project in projects:
        assert await secrets.read_secret(project.id, "github_token") == f"{TOKEN}-{project.id}"


async def test_the_rotate_command_rotates_and_reencrypts(
    database_url, settings, make_user, make_project
):
    from app.db import engine

    await engine.open_pool()
    try:
        await secrets.prepare_keyring(settings)
        project = await make_project(await make_user(is_admin=True))
        await secrets.write_secret(project.id, "asana_pat", TOKEN)
    finally:
        await engine.close_pool()
    before = (settings.data_dir / "master.key").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "rotate-master-key"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=database_url, AUTOFLOW_DATA_DIR=str(settings.data_dir)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Re-encrypted 1 secret(s)" in result.stdout
    assert (settings.data_dir / "master.key").read_text() != before
    connection = await asyncpg.connect(database_url)
    try:
        stored = await connection.fetchval("SELECT ciphertext FROM project_secrets")
    finally:
        await connection.close()
    new_ring = load_keyring(settings)
    assert new_ring is not None and stored.split(":")[1] == new_ring.current_id
    assert new_ring.decrypt(stored, secrets.secret_context(project.id, "asana_pat")) == TOKEN
