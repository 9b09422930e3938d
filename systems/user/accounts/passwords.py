"""Password hashing with Argon2id (memory-hard), shared by registration, log-in and password confirmation."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash to store."""
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Does `password` match? With no hash (unknown account) a dummy hash is checked, so timing does not reveal it."""
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash no password is checked against for real."""
    return HASHER.hash("no account has this password")
