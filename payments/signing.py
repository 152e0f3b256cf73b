"""Signing callbacks the way Stripe signs its webhooks, and the receiver's check.

Header: ``Payments-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">``, keyed
with the API client's callback secret. Receivers: compute the HMAC over the *raw* request body
(before any JSON parsing), compare in constant time, and refuse timestamps more than a few
minutes away, which stops replays. ``callback_signature_verify`` uses only the standard
library: copy it into your service.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Payments-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class CallbackSignatureError(Exception):
    """The signature is missing, malformed, wrong, or too old."""


def _hmac(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def callback_signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``Payments-Signature`` value for ``body``, signed now (or at ``timestamp``)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_hmac(secret, timestamp, body)}"


def callback_signature_verify(
    *,
    header: str,
    body: bytes,
    secrets: list[str],
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """Check ``header`` against the raw ``body``; any of ``secrets`` may have signed it (for
    rotation). Returns the signed timestamp, or raises ``CallbackSignatureError``."""
    timestamp, signatures = None, []
    for part in header.split(","):
        # rpartition would give the same answer for every key we read: no mutant to kill.
        key, _, value = part.strip().partition("=")  # pragma: no mutate
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise CallbackSignatureError(f"{SIGNATURE_HEADER} needs t=<unix time> and v1=<hex>.")
    if abs(time.time() - timestamp) > tolerance:
        raise CallbackSignatureError(f"The timestamp is more than {tolerance} s from now.")
    for secret in secrets:
        expected = _hmac(secret, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            return timestamp
    raise CallbackSignatureError("No v1 signature matches the body with any known secret.")
