"""Encryption of secrets at rest: AES-256-GCM under a master key that can rotate.

A ciphertext reads `v1:<key id>:<base64url(nonce | ciphertext+tag)>`. The key id (the first 12
hex digits of the key's SHA-256) says which key sealed it, so after a rotation older
ciphertexts still open with a retired key until they are re-encrypted. Every ciphertext is
bound to a context (e.g. `project:7:asana_pat`) as associated data: copied to another row or
project, it no longer decrypts.

Keys come from AUTOFLOW_MASTER_KEY (+ AUTOFLOW_RETIRED_MASTER_KEYS) or, when that is unset,
from files in the data directory: `master.key` (created on first run, mode 0600) and
`retired-master-keys/*.key`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.settings import Settings

FORMAT_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE = "master.key"
RETIRED_FOLDER = "retired-master-keys"


class MasterKeyError(RuntimeError):
    """The master key is missing, malformed, or does not open a ciphertext."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:12]


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def decode_key(text: str) -> bytes:
    text = text.strip()
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MasterKeyError("a master key must be 32 bytes in base64url") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError("a master key must be 32 bytes in base64url")
    return key


def new_key_text() -> str:
    return encode_key(secrets.token_bytes(KEY_BYTES))


@dataclass(frozen=True)
class Keyring:
    current: bytes
    retired: tuple[bytes, ...] = field(default=())

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    @property
    def key_ids(self) -> set[str]:
        return set(self._by_id())

    def _by_id(self) -> dict[str, bytes]:
        keys = {key_id(k): k for k in self.retired}
        keys[self.current_id] = self.current
        return keys

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.current).encrypt(nonce, plaintext.encode(), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{FORMAT_VERSION}:{self.current_id}:{body}"

    def decrypt(self, ciphertext: str, context: str) -> str:
        try:
            version, kid, body = ciphertext.split(":", 2)
        except ValueError:
            raise MasterKeyError("not an Auto-Flow ciphertext") from None
        if version != FORMAT_VERSION:
            raise MasterKeyError(f"unknown ciphertext version {version!r}")
        key = self._by_id().get(kid)
        if key is None:
            raise MasterKeyError(
                f"the master key {kid} that sealed this secret is not configured "
                "(add it to AUTOFLOW_RETIRED_MASTER_KEYS or retired-master-keys/)"
            )
        raw = base64.urlsafe_b64decode(body)
        try:
            plaintext = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise MasterKeyError(
                "a secret failed its integrity check (tampered or moved)"
            ) from None
        return plaintext.decode()

    def needs_reencryption(self, ciphertext: str) -> bool:
        return ciphertext.split(":", 2)[1:2] != [self.current_id]


def _key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def load_keyring(settings: Settings, *, create: bool = False) -> Keyring | None:
    """The configured keys; None when there is none (and `create` is false)."""
    if settings.master_key:
        retired = tuple(decode_key(k) for k in settings.retired_master_keys)
        return Keyring(decode_key(settings.master_key), retired)
    path = _key_file(settings)
    if not path.exists():
        if not create:
            return None
        write_key_file(path, new_key_text())
    folder = settings.data_dir / RETIRED_FOLDER
    retired = tuple(
        decode_key(p.read_text()) for p in sorted(folder.glob("*.key")) if folder.exists()
    )
    return Keyring(decode_key(path.read_text()), retired)


def write_key_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first: use theirs
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


def rotate_key_file(settings: Settings) -> Keyring:
    """Make a new current key file; the old one becomes a retired key. Returns the keyring."""
    if settings.master_key:
        raise MasterKeyError(
            "the master key comes from AUTOFLOW_MASTER_KEY: set a new one there, move the old "
            "one to AUTOFLOW_RETIRED_MASTER_KEYS, then run `autoflow reencrypt`"
        )
    current = load_keyring(settings, create=True)
    assert current is not None
    folder = settings.data_dir / RETIRED_FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    write_key_file(folder / f"{current.current_id}.key", encode_key(current.current))
    path = _key_file(settings)
    staging = path.with_suffix(".new")
    staging.unlink(missing_ok=True)
    write_key_file(staging, new_key_text())
    staging.replace(path)
    rotated = load_keyring(settings)
    assert rotated is not None
    return rotated
