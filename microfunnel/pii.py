"""Hashing of direct identifiers (emails, phones) before they reach the warehouse.

A keyed HMAC, not a bare hash: a bare SHA-256 of an email can be reversed by hashing a list
of known addresses. The key comes from PII_HASH_KEY (env or .dlt/secrets.toml via the
caller) and must stay stable: a new key gives every person new identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import os

KEY_ENV = "PII_HASH_KEY"


class MissingPiiKey(RuntimeError):
    """PII cannot be hashed without the key; the message says how to set it."""


def pii_key(env: dict[str, str] | None = None) -> str:
    key = (env if env is not None else os.environ).get(KEY_ENV, "")
    if not key:
        raise MissingPiiKey(
            f"{KEY_ENV} is not set: set it to a long random string (env var or .dlt/secrets.toml) "
            "before loading sources with emails; keep it stable, a new key splits every person"
        )
    return key


def normalize_email(email: str) -> str:
    """DESIGN.md: emails are trimmed and lower-cased before hashing."""
    return email.strip().lower()


def hash_identifier(value: str, key: str) -> str:
    """Hex HMAC-SHA256 of an already-normalized identifier."""
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def hash_email(email: str | None, key: str) -> str | None:
    if email is None or not email.strip():
        return None
    return hash_identifier(normalize_email(email), key)
