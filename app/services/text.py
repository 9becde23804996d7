"""Checks on free text every service shares."""


def storable(value: str) -> bool:
    """PostgreSQL text holds neither NUL nor a lone UTF-16 surrogate (JSON can carry both):
    input with one is refused with a message rather than failing in the database."""
    if "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
