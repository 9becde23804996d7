"""Password hashing with argon2id (passlib), and the rules a new password must meet."""

from passlib.context import CryptContext

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024

_context = CryptContext(schemes=["argon2"], argon2__type="ID")

# Verified against when the username is unknown, so that an unknown user and a wrong
# password cost the same time and cannot be told apart.
_UNKNOWN_USER_HASH = _context.hash("autoflow: no such user")


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _context.verify(password, _UNKNOWN_USER_HASH)
        return False
    return _context.verify(password, password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    return None
