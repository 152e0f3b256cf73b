"""Identifiers that look like Stripe's."""

from __future__ import annotations

import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def random_token(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_id(prefix: str) -> str:
    """`pi_1Q...` style id: prefix, underscore, 24 characters."""
    return f"{prefix}_1{random_token(23)}"


def checkout_session_id() -> str:
    return "cs_test_a1" + random_token(56)


def request_id() -> str:
    return "req_" + random_token(14)


def client_secret(object_id: str) -> str:
    return f"{object_id}_secret_{random_token(25)}"


def is_object_id(value: str) -> bool:
    """True for strings shaped like an id (`prefix_rest`), the only values `expand` may follow."""
    prefix, sep, rest = value.partition("_")
    return bool(sep and rest and prefix.isalpha() and prefix.islower() and " " not in value)
