"""Random tokens and how they are kept: only a digest is ever stored."""

import hashlib
import hmac
import secrets

# 32 random bytes: far beyond guessing, so a plain SHA-256 digest is a safe way to store them.
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(a.encode(), b.encode())
