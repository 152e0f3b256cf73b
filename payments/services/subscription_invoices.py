"""Invoices of subscriptions: every one with an amount is a ``PaymentSession``.

Each invoice (the first or a renewal) becomes a session of the subscription's payable (flow
``subscription_invoice``, its ``stripe_invoice_id``), so the charge, ledger, refund and dispute
paths treat it like any payment. At the pinned API version an invoice names its PaymentIntent
and charge only in ``invoice_payment.paid`` (an ``InvoicePayment``): that event links them to
the session, which applies the ``charge.succeeded`` parked while no session knew the
PaymentIntent (it books the charge's gross/fee/net). ``invoice.paid`` marks the session paid.
A failed attempt is an audit row and, at the first, the operators' failure alert; an attempt
that needs 3-D Secure points the session at the invoice's page; ``invoice.upcoming`` is
only logged.
An ``invoice_payment.paid`` that overtakes every event of its invoice is parked, waiting for
the invoice id, and applied when the session is made. No network call.
"""

import logging
from typing import Any

from django.utils import timezone

from payments.models import ConnectedAccount, PaymentSession, Subscription, WebhookEvent
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.models.webhooks import WebhookEventStatus
from payments.services.alerts import failure_alert_queue
from payments.services.audit import payment_log_create
from payments.services.parked_events import (
    parked_events_apply,
    parked_ids_lock,
    session_stripe_ids,
)
from payments.services.sessions import session_lock, session_transition
from payments.services.subscription_events import subscription_row_lock
from payments.services.task_queue import task_named
from payments.services.webhook_handlers import stripe_id
from payments.states import PaymentStatus

logger = logging.getLogger(__name__)
OPEN_STATUSES = frozenset({PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.PROCESSING})
ACTION_REQUIRED_CODE = "authentication_required"
ACTION_REQUIRED_MESSAGE = (
    "The customer must authenticate this payment (3-D Secure) on the invoice's page."
)


def invoice_subscription_id(invoice: dict[str, Any]) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return stripe_id(details.get("subscription")) or stripe_id(invoice.get("subscription"))


def invoice_session_ensure(
    *, subscription: Subscription, invoice: dict[str, Any], actor: str
) -> PaymentSession | None:
    """The locked session of ``invoice`` (made on first sight, ``pending``); ``None`` for an
    invoice of nothing to pay (a trial's). The caller holds the subscription's row lock."""
    found = PaymentSession.objects.filter(stripe_invoice_id=invoice["id"]).values_list(
        "pk", flat=True
    )
    if found:
        return session_lock(session_id=found[0])
    amount = int(invoice.get("amount_due") or 0)
    if amount <= 0:
        return None
    session = PaymentSession.objects.create(
        api_client=subscription.api_client,
        flow=Flow.SUBSCRIPTION_INVOICE,
        payable_type=subscription.payable_type,
        payable_id=subscription.payable_id,
        amount=amount,
        currency=str(invoice.get("currency") or subscription.currency).lower(),
        description=f"Subscription {invoice.get('billing_reason') or 'invoice'}"[:500],
        customer=subscription.customer,
        metadata=dict(subscription.metadata),
        subscription=subscription,
        stripe_invoice_id=invoice["id"],
        **_payee_fields(invoice, amount),
    )
    session = session_lock(session_id=session.pk)
    session_transition(session=session, new_status=PaymentStatus.PENDING, actor=actor)
    _apply_parked_for_invoice(session)
    return session


def _payee_fields(invoice: dict[str, Any], amount: int) -> dict[str, Any]:
    """The marketplace split of a subscription with a payee, as Stripe charges it on this
    invoice: its ``transfer_data[destination]`` and ``application_fee_amount`` (the fee policy's
    fee, see ``subscriptions._connect_params``). Empty for an invoice of no payee."""
    destination = stripe_id((invoice.get("transfer_data") or {}).get("destination"))
    account = (
        ConnectedAccount.objects.filter(stripe_account_id=destination).first()
        if destination
        else None
    )
    if account is None:
        return {}
    fee = min(amount, int(invoice.get("application_fee_amount") or 0))
    return {
        "connected_account": account,
        "payee_reference": account.payee_reference or "",
        "platform_fee": fee,
        "payee_amount": amount - fee,
    }


def invoice_session_link(
    *, session: PaymentSession, payment_intent: str | None, charge: str | None
) -> None:
    """Teach the session its PaymentIntent and charge (never overwrite one), then apply the
    events that were parked waiting for them."""
    known_before = session_stripe_ids(session)
    new = {
        name: value
        for name, value in (
            ("stripe_payment_intent_id", payment_intent),
            ("stripe_charge_id", charge),
        )
        if value and not getattr(session, name)
    }
    if new:
        for name, value in new.items():
            setattr(session, name, value)
        session.save(update_fields=[*new, "updated_at"])
        parked_events_apply(session=session, known_before=known_before)


def _apply_parked_for_invoice(session: PaymentSession) -> None:
    parked_ids_lock([session.stripe_invoice_id])
    waiting = WebhookEvent.objects.select_for_update().filter(
        status=WebhookEventStatus.PARKED, waiting_for=session.stripe_invoice_id
    )
    for stored in waiting.order_by("stripe_created", "id"):
        payment = stored.payload["data"]["object"]["payment"]
        invoice_session_link(
            session=session,
            payment_intent=stripe_id(payment.get("payment_intent")),
            charge=stripe_id(payment.get("charge")),
        )
        WebhookEvent.objects.filter(pk=stored.pk).update(
            status=WebhookEventStatus.PROCESSED,
            session=session,
            attempts=stored.attempts + 1,
            processed_at=timezone.now(),
        )


def _session_for(event: dict[str, Any]) -> PaymentSession | None:
    invoice = event["data"]["object"]
    subscription_id = invoice_subscription_id(invoice)
    if not subscription_id:
        return None
    subscription = subscription_row_lock({"id": subscription_id})
    if subscription is None:
        return None
    return invoice_session_ensure(
        subscription=subscription, invoice=invoice, actor=f"stripe:{event['id']}"
    )


def invoice_opened(event: dict[str, Any]) -> str:
    """``invoice.created``/``finalized``: the invoice's session exists from now on."""
    session = _session_for(event)
    return WebhookEventStatus.PROCESSED if session else WebhookEventStatus.IGNORED


def invoice_paid(event: dict[str, Any]) -> str:
    session = _session_for(event)
    if session is None:
        return WebhookEventStatus.IGNORED
    session_transition(
        session=session,
        new_status=PaymentStatus.SUCCEEDED,
        actor=f"stripe:{event['id']}",
        payload=event,
    )
    if not session.stripe_charge_id:  # invoice_payment.paid may still come; if not, fetch
        task_named("subscription_invoice_sync").enqueue(
            session_id=str(session.pk), invoice_id=session.stripe_invoice_id
        )
    return WebhookEventStatus.PROCESSED


def invoice_payment_failed(event: dict[str, Any]) -> str:
    """Record the failed attempt (once per attempt, with an audit row) and alert the operators
    at the first; the session fails only when Stripe will not retry."""
    invoice = event["data"]["object"]
    session = _session_for(event)
    if session is None:
        return WebhookEventStatus.IGNORED
    actor = f"stripe:{event['id']}"
    message = f"Invoice payment attempt {invoice.get('attempt_count') or 1} failed."
    if session.status in OPEN_STATUSES and session.failure_message != message:
        # Stripe sends this with invoice.payment_action_required too, in either order: the
        # customer's action stays the reason shown.
        if session.failure_code != ACTION_REQUIRED_CODE:
            session.failure_code = "invoice_payment_failed"
        session.failure_message = message
        session.save(update_fields=["failure_code", "failure_message", "updated_at"])
        payment_log_create(
            session=session, event_type=LogEvent.INTENT_FAILED, actor=actor, error_message=message
        )
        failure_alert_queue(session=session)
    if invoice.get("next_payment_attempt") is None:
        session_transition(
            session=session, new_status=PaymentStatus.FAILED, actor=actor, payload=event
        )
    return WebhookEventStatus.PROCESSED


def invoice_payment_action_required(event: dict[str, Any]) -> str:
    """The payment needs the customer (3-D Secure): the session stays ``pending`` (the
    customer can pay), its ``failure_code`` says why and its ``checkout_url`` becomes the
    invoice's page where the customer authenticates. Stripe also sends
    ``invoice.payment_failed`` for the attempt, before or after this."""
    invoice = event["data"]["object"]
    session = _session_for(event)
    if session is None:
        return WebhookEventStatus.IGNORED
    # The message stays invoice.payment_failed's (the attempt), whichever comes first.
    wanted = {
        "failure_code": ACTION_REQUIRED_CODE,
        "checkout_url": invoice.get("hosted_invoice_url") or session.checkout_url,
    }
    changed = {name: value for name, value in wanted.items() if getattr(session, name) != value}
    if session.status in OPEN_STATUSES and changed:
        for name, value in changed.items():
            setattr(session, name, value)
        session.save(update_fields=[*changed, "updated_at"])
        payment_log_create(
            session=session,
            event_type=LogEvent.INTENT_FAILED,
            actor=f"stripe:{event['id']}",
            error_message=ACTION_REQUIRED_MESSAGE,
        )
    return WebhookEventStatus.PROCESSED


def invoice_upcoming(event: dict[str, Any]) -> str:
    """``invoice.upcoming``: a preview of the next renewal's invoice (it has no id). Nothing
    changes; the stored event is the record, and the log says what is coming."""
    invoice = event["data"]["object"]
    subscription_id = invoice_subscription_id(invoice)
    subscription = (
        Subscription.objects.filter(stripe_subscription_id=subscription_id).first()
        if subscription_id
        else None
    )
    if subscription is None:
        return WebhookEventStatus.IGNORED
    logger.info(
        "Subscription %s renews at %s for %s %s.",
        subscription.pk,
        invoice.get("next_payment_attempt") or invoice.get("period_end"),
        invoice.get("amount_due"),
        invoice.get("currency"),
    )
    return WebhookEventStatus.PROCESSED


def invoice_closed_unpaid(event: dict[str, Any]) -> str:
    """``invoice.voided`` (canceled) or ``invoice.marked_uncollectible`` (failed)."""
    session = _session_for(event)
    if session is None:
        return WebhookEventStatus.IGNORED
    voided = event.get("type") == "invoice.voided"
    session_transition(
        session=session,
        new_status=PaymentStatus.CANCELED if voided else PaymentStatus.FAILED,
        actor=f"stripe:{event['id']}",
        payload=event,
    )
    return WebhookEventStatus.PROCESSED


def invoice_payment_paid(event: dict[str, Any]) -> str:
    """``invoice_payment.paid``: link the PaymentIntent and charge to the invoice's session,
    or park until that session exists."""
    payment = event["data"]["object"]
    details = payment.get("payment") or {}
    invoice_id = stripe_id(payment.get("invoice"))
    parked_ids_lock([invoice_id])
    found = PaymentSession.objects.filter(stripe_invoice_id=invoice_id).values_list("pk", flat=True)
    if not found:
        WebhookEvent.objects.filter(stripe_event_id=event["id"]).update(waiting_for=invoice_id)
        return WebhookEventStatus.PARKED
    invoice_session_link(
        session=session_lock(session_id=found[0]),
        payment_intent=stripe_id(details.get("payment_intent")),
        charge=stripe_id(details.get("charge")),
    )
    return WebhookEventStatus.PROCESSED


INVOICE_EVENT_HANDLERS = {
    "invoice.created": invoice_opened,
    "invoice.finalized": invoice_opened,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
    "invoice.payment_action_required": invoice_payment_action_required,
    "invoice.upcoming": invoice_upcoming,
    "invoice.voided": invoice_closed_unpaid,
    "invoice.marked_uncollectible": invoice_closed_unpaid,
    "invoice_payment.paid": invoice_payment_paid,
}
