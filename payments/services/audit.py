"""The audit trail's one writer: append a ``PaymentLog`` row for a session."""

from typing import Any

from payments.models import PaymentLog, PaymentSession, WebhookEvent
from payments.models.logs import LogEvent


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
