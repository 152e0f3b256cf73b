"""The audit trail's one writer: append a ``PaymentLog`` row for a session.

A Stripe event's payload is stored once, on its ``WebhookEvent``. While a handler applies an
event (``webhook_event_applying``), a row whose payload *is* that event links to the stored
event instead of copying it, so handlers need not know where their event is kept.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from payments.models import PaymentLog, PaymentSession, WebhookEvent
from payments.models.logs import LogEvent

_APPLYING: ContextVar[tuple[Any, WebhookEvent] | None] = ContextVar(
    "payments_webhook_event_applying", default=None
)


@contextmanager
def webhook_event_applying(*, event: dict[str, Any], stored: WebhookEvent) -> Iterator[None]:
    """Within this block, audit rows whose payload is ``event`` reference ``stored``."""
    token = _APPLYING.set((event, stored))
    try:
        yield
    finally:
        _APPLYING.reset(token)


def payment_log_create(
    *,
    session: PaymentSession | None,
    event_type: LogEvent | str,
    actor: str = "",
    old_status: str = "",
    new_status: str = "",
    stripe_request_id: str = "",
    payload: Any = None,
    error_message: str = "",
    webhook_event: WebhookEvent | None = None,
) -> PaymentLog:
    """Append one row to the audit trail (about ``webhook_event``: its payload stays there)."""
    applying = _APPLYING.get()
    if applying is not None and payload is not None and payload is applying[0]:
        payload, webhook_event = None, webhook_event or applying[1]
    return PaymentLog.objects.create(
        session=session,
        event_type=event_type,
        actor=actor[:255],
        old_status=old_status,
        new_status=new_status,
        stripe_request_id=stripe_request_id,
        payload=payload,
        error_message=error_message,
        webhook_event=webhook_event,
    )
