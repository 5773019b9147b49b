"""Password hashing for console users (argon2id through argon2-cffi, its recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 10
# Checked against the same hash cost when no such user exists, so timing does not tell.
_DUMMY = _HASHER.hash("not-a-real-password-for-timing")


class PasswordError(ValueError):
    """A password that is too weak to accept; the message says why."""


def hash_password(password: str) -> str:
    """Return the argon2id hash of a new password, refusing weak ones."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_LENGTH} characters")
    if password.strip() != password or password.isdigit():
        raise PasswordError("a password may not be only digits or start or end with spaces")
    return _HASHER.hash(password)


def check_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Return (matches, new hash when the stored one uses old parameters)."""
    try:
        _HASHER.verify(stored_hash or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    return True, (_HASHER.hash(password) if _HASHER.check_needs_rehash(stored_hash) else None)
