"""Fetch what an invoice's events did not tell us: its PaymentIntent and charge.

``invoice.paid`` marks the invoice's session paid, but only ``invoice_payment.paid`` names the
charge (at the pinned API version the invoice itself does not). If that event never came
(lost, or its delivery gave up), the session would stay without a charge and so without its
ledger row: this task reads the invoice with ``payments`` expanded, links them, and queues the
charge's ledger sync (which does nothing if the row is written).
"""

from django.db import transaction

from payments import exceptions as exc
from payments import stripe_api
from payments.services.retries import task_retry_later
from payments.services.sessions import session_lock
from payments.services.subscription_invoices import invoice_session_link
from payments.services.task_queue import task_named
from payments.services.webhook_handlers import stripe_id

_TRANSIENT = (exc.ProviderUnavailable, exc.ProviderRateLimited)


def subscription_invoice_sync(*, session_id: str, invoice_id: str, attempt: int = 0) -> str:
    """Link a paid invoice's PaymentIntent and charge to its session, then book the charge."""
    try:
        invoice = stripe_api.invoice_retrieve(invoice_id).data
    except _TRANSIENT as error:
        return task_retry_later(
            "subscription_invoice_sync",
            error,
            attempt=attempt,
            session_id=session_id,
            invoice_id=invoice_id,
        )
    paid = [
        row["payment"]
        for row in (invoice.get("payments") or {}).get("data") or []
        if row.get("status") == "paid" and (row.get("payment") or {}).get("charge")
    ]
    if not paid:
        return "no paid payment"
    charge = stripe_id(paid[0].get("charge"))
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        invoice_session_link(
            session=session, payment_intent=stripe_id(paid[0].get("payment_intent")), charge=charge
        )
        task_named("charge_ledger_sync").enqueue(
            session_id=session_id, charge_id=session.stripe_charge_id or charge
        )
    return "linked"
