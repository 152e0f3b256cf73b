"""Signed Stripe events whose fields we cannot store: refused, and recorded for staff.

A delivery can carry a valid ``Stripe-Signature`` and still be unusable (a test tool, a
replay of a hand-edited body, a bug): ``created`` as text or outside years 1970-9999, an id
longer than the column, text PostgreSQL refuses. Such an event is answered 400 before
anything stores it, and one ``error`` row of the audit trail (``PaymentLog``, actor
``stripe:rejected``) keeps what arrived, sanitised, so staff see it in the admin.
"""

from typing import Any

from payments import exceptions as exc
from payments.models.logs import LogEvent
from payments.services.audit import payment_log_create
from payments.storable import unstorable

MAX_CREATED = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
MAX_ID_LENGTH = 255  # WebhookEvent.stripe_event_id and the Stripe id columns
EXCERPT_CHARS = 2000


class MalformedWebhookEvent(exc.PaymentsError):
    code = "invalid_payload"


def _check_id(value: Any, name: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_LENGTH:
        raise MalformedWebhookEvent(
            f"{name} must be a string of 1 to {MAX_ID_LENGTH} characters.", param=name
        )


def webhook_event_check(event: dict[str, Any]) -> None:
    """Raise ``MalformedWebhookEvent`` naming the first field of a verified event that
    cannot be stored or used (the caller has checked it is an event with a data.object)."""
    _check_id(event.get("id"), "id")
    created = event.get("created")
    if isinstance(created, bool) or not isinstance(created, int) or not 0 <= created <= MAX_CREATED:
        raise MalformedWebhookEvent(
            f"created must be a Unix time in seconds between 0 and {MAX_CREATED}.",
            param="created",
        )
    for name in ("type", "api_version"):
        if event.get(name) is not None and not isinstance(event[name], str):
            raise MalformedWebhookEvent(f"{name} must be a string.", param=name)
    object_id = event["data"]["object"].get("id")
    if object_id is not None:
        _check_id(object_id, "data.object.id")
    for where, problem in unstorable(event):
        raise MalformedWebhookEvent(f"{where}: {problem}.", param=where)


def _printable(text: str) -> str:
    """Storable text: NUL spelled out, a lone surrogate as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def webhook_rejection_record(*, payload: bytes, reason: str) -> None:
    """Keep a signed delivery that was refused: a sanitised excerpt of its body and why."""
    excerpt = _printable(payload[:EXCERPT_CHARS].decode("utf-8", "replace"))
    payment_log_create(
        session=None,
        event_type=LogEvent.ERROR,
        actor="stripe:rejected",
        payload={"body_excerpt": excerpt, "body_bytes": len(payload)},
        error_message=f"Signed Stripe delivery refused: {_printable(reason)}"[:EXCERPT_CHARS],
    )
