"""Secrets at rest: Argon2id for passwords, SHA-256 for API tokens (random, 256-bit,
so a slow hash adds nothing and a fast one keeps each API call cheap). Pure, no I/O."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # Argon2id with the library's RFC 9106 "low memory" parameters


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so an unknown name costs as much
    time as a wrong password (no telling names apart by timing); made on first use, as
    hashing takes a noticeable moment and most imports never log anyone in."""
    return _hasher.hash(secrets.token_hex(16))

MIN_PASSWORD = 8
MAX_PASSWORD = 1024


class PasswordError(ValueError):
    pass


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise PasswordError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise PasswordError(f"password: at most {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Argon2's verify compares in constant time; a missing user still pays for one verify."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password[:MAX_PASSWORD]) and bool(stored_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return "gc_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
