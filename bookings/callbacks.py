"""Verifying the ``Payments-Signature`` header of payments callbacks.

Our own few lines (bookings does not import payments): the header is
``t=<unix time>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">``, keyed with our callback secret.
Several ``v1`` values may be present while payments rotates secrets; any one may match.
"""

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The callback is unsigned, tampered with, signed with another secret, or too old."""


def verify_signature(
    *, header: str, body: bytes, secret: str, tolerance: int = TOLERANCE_SECONDS
) -> None:
    """Raise ``InvalidSignature`` unless ``header`` signs ``body`` with ``secret`` recently."""
    if not secret:
        raise InvalidSignature("PAYMENTS_CALLBACK_SECRET is not set: cannot verify callbacks.")
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidSignature("Payments-Signature needs t=<unix time> and v1=<signature>.")
    if abs(time.time() - timestamp) > tolerance:
        raise InvalidSignature(f"The signature timestamp is more than {tolerance} s away.")
    signed = str(timestamp).encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("No v1 signature matches the body and our callback secret.")
