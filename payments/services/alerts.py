"""Failure alerts to operators and receipts to customers, by e-mail.

``alerts_on_status_changed`` runs inside the status change's transaction (holding the
session's row lock, from ``payments.services.status_effects``). It claims the session's marker
with a conditional ``UPDATE ... WHERE failure_alert_queued_at IS NULL`` and queues the task only if
that update changed the row, so duplicated webhooks, replays and concurrent workers queue at
most one alert (and one receipt) per session. A subscription's renewal is alerted at its first
failed attempt (``failure_alert_queue`` from ``subscription_invoices``), through the same
marker. The tasks send the mail later, never inside a webhook request.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from payments.conf import payments_settings
from payments.models import PaymentSession
from payments.money import format_money
from payments.services.retries import task_retry_later
from payments.services.task_queue import task_named
from payments.states import PaymentStatus

logger = logging.getLogger(__name__)

# Seconds before attempt n+1 when the mail server refuses or cannot be reached (a mail
# server is back sooner than an outage of Stripe's; see payments.services.retries).
MAIL_RETRY_DELAYS = (60, 300, 1800, 3600)


def alert_recipients() -> list[str]:
    """``PAYMENTS['ALERT_EMAILS']``: a list, or one comma-separated string."""
    value = payments_settings.ALERT_EMAILS
    if isinstance(value, str):
        value = value.split(",")
    return [address.strip() for address in value if address and address.strip()]


def alerts_on_status_changed(*, session: PaymentSession, old_status: str) -> None:
    """Queue the failure alert or the receipt a new status calls for, once per session."""
    if session.status == PaymentStatus.FAILED:
        failure_alert_queue(session=session)
    elif session.status == PaymentStatus.SUCCEEDED:
        wanted = payments_settings.SEND_RECEIPTS and session.customer_id is not None
        if wanted and _claim(session, "receipt_queued_at"):
            task_named("send_receipt").enqueue(session_id=str(session.pk))


def failure_alert_queue(*, session: PaymentSession) -> None:
    """Queue the failure alert of ``session`` unless one was queued already. A failed payment
    calls it when its session fails; a renewal when its first payment attempt fails (the
    session stays open while Stripe retries, and the operators want to know now)."""
    if alert_recipients() and _claim(session, "failure_alert_queued_at"):
        task_named("send_failure_alert").enqueue(session_id=str(session.pk))


def _claim(session: PaymentSession, marker: str) -> bool:
    """Set ``marker`` if it is still empty; True only for the one caller that set it."""
    now = timezone.now()
    claimed = PaymentSession.objects.filter(pk=session.pk, **{f"{marker}__isnull": True}).update(
        **{marker: now}
    )
    if claimed:
        setattr(session, marker, now)
    return claimed == 1


def failure_alert_send(*, session_id: str, attempt: int = 0) -> str:
    """Send the failure alert of one session to the alert recipients (the task's body)."""
    session = PaymentSession.objects.select_related("customer", "api_client").get(pk=session_id)
    recipients = alert_recipients()
    if not recipients:
        return "no PAYMENTS['ALERT_EMAILS'] any more: nothing sent"
    context = _context(session)
    subject = f"Payment failed: {context['amount']} for {session.payable_type} {session.payable_id}"
    body = render_to_string("payments/email/failure_alert.txt", context)
    return _send("send_failure_alert", session_id, attempt, subject, body, recipients)


def receipt_send(*, session_id: str, attempt: int = 0) -> str:
    """Send the customer the receipt of one successful payment (the task's body)."""
    session = PaymentSession.objects.select_related("customer").get(pk=session_id)
    if session.customer is None or not session.customer.email:
        return "no customer e-mail: nothing sent"
    context = _context(session)
    subject = f"Your payment of {context['amount']}"
    body = render_to_string("payments/email/receipt.txt", context)
    return _send("send_receipt", session_id, attempt, subject, body, [session.customer.email])


def _context(session: PaymentSession) -> dict:
    return {
        "session": session,
        "amount": format_money(session.amount, session.currency),
        "customer": session.customer,
    }


def _send(
    task_name: str, session_id: str, attempt: int, subject: str, body: str, to: list[str]
) -> str:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Mail for session %s not sent (%s)", session_id, error)
        return task_retry_later(
            task_name, error, attempt=attempt, delays=MAIL_RETRY_DELAYS, session_id=session_id
        )
    return f"sent to {len(to)} recipient(s)"
