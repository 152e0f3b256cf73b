"""One function per Stripe event type, and ``HANDLERS``, the dict from type to function.

Each handler runs inside the webhook's transaction while holding the session's row lock. It
changes status only through ``session_transition`` (which refuses backward moves), updates
other fields with ``save(update_fields=...)``, and enqueues follow-up work as tasks. It makes
no network call.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from payments.models import PaymentSession
from payments.models.logs import LogEvent
from payments.models.sessions import Flow
from payments.services.audit import payment_log_create
from payments.services.charge_sync import charge_book
from payments.services.ledger import ledger_record_dispute
from payments.services.refund_sync import refund_apply_stripe, session_refund_status_sync
from payments.services.sessions import session_transition
from payments.services.status_effects import on_dispute_changed
from payments.services.task_queue import task_named
from payments.states import DisputeStatus, PaymentStatus

_REFUND_COUNTED = ("succeeded", "pending", "requires_action")


@dataclass(frozen=True)
class EventContext:
    """A verified Stripe event and the session it belongs to (locked by the caller)."""

    event: dict[str, Any]
    session: PaymentSession

    @property
    def obj(self) -> dict[str, Any]:
        return self.event["data"]["object"]

    @property
    def actor(self) -> str:
        return f"stripe:{self.event['id']}"


def stripe_id(value: Any) -> str | None:
    """The id of a Stripe reference that may be an id or an expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


# -- shared steps ------------------------------------------------------------------------------


def _transition(ctx: EventContext, new_status: str) -> bool:
    return session_transition(
        session=ctx.session, new_status=new_status, actor=ctx.actor, payload=ctx.event
    )


def _update(session: PaymentSession, **values: Any) -> None:
    """Save only the fields whose value changed, in one UPDATE."""
    changed = [name for name, value in values.items() if getattr(session, name) != value]
    for name in changed:
        setattr(session, name, values[name])
    if changed:
        session.save(update_fields=[*changed, "updated_at"])


def _unknown(session: PaymentSession, **values: Any) -> dict[str, Any]:
    """The Stripe ids among ``values`` the session does not know yet (never overwrite one)."""
    return {name: value for name, value in values.items() if value and not getattr(session, name)}


def _mark_paid(ctx: EventContext) -> None:
    if _transition(ctx, PaymentStatus.SUCCEEDED):
        # Refund events may have overtaken the payment's own events.
        session_refund_status_sync(session=ctx.session, actor=ctx.actor, payload=ctx.event)


def _book_charge(ctx: EventContext, charge_id: str, charge: dict | None = None) -> None:
    """Write the charge's ledger row now if the event carries its balance transaction,
    otherwise queue the task that fetches it. Two tasks for one charge are harmless: the
    second finds the row written and makes no Stripe call."""
    balance_transaction = (charge or {}).get("balance_transaction")
    if isinstance(balance_transaction, dict):
        charge_book(session=ctx.session, charge=charge, balance_transaction=balance_transaction)
    else:
        task_named("charge_ledger_sync").enqueue(
            session_id=str(ctx.session.pk), charge_id=charge_id
        )


# -- checkout sessions -------------------------------------------------------------------------


def checkout_session_completed(ctx: EventContext) -> None:
    _update(
        ctx.session,
        **_unknown(
            ctx.session,
            stripe_checkout_session_id=ctx.obj["id"],
            stripe_payment_intent_id=stripe_id(ctx.obj.get("payment_intent")),
        ),
    )
    if ctx.obj.get("payment_status") in ("paid", "no_payment_required"):
        _mark_paid(ctx)
    else:  # A delayed method (bank debit): the money is on its way.
        _transition(ctx, PaymentStatus.PROCESSING)


def checkout_session_async_payment_failed(ctx: EventContext) -> None:
    _transition(ctx, PaymentStatus.FAILED)


def checkout_session_expired(ctx: EventContext) -> None:
    _transition(ctx, PaymentStatus.EXPIRED)


# -- payment intents ---------------------------------------------------------------------------


def payment_intent_succeeded(ctx: EventContext) -> None:
    charge_id = stripe_id(ctx.obj.get("latest_charge"))
    new_ids = _unknown(
        ctx.session, stripe_payment_intent_id=ctx.obj["id"], stripe_charge_id=charge_id
    )
    _update(ctx.session, **new_ids)
    if "stripe_charge_id" in new_ids:  # else charge.succeeded came first and booked it
        _book_charge(ctx, charge_id)
    _mark_paid(ctx)


def payment_intent_processing(ctx: EventContext) -> None:
    _update(ctx.session, **_unknown(ctx.session, stripe_payment_intent_id=ctx.obj["id"]))
    _transition(ctx, PaymentStatus.PROCESSING)


def payment_intent_canceled(ctx: EventContext) -> None:
    """Stripe cancels a Checkout Session's intent when the session expires (and sends that
    first): the session's own ``checkout.session.expired`` decides how it ended."""
    if ctx.session.flow == Flow.CHECKOUT:
        return
    _transition(ctx, PaymentStatus.CANCELED)


def payment_intent_payment_failed(ctx: EventContext) -> None:
    """Record why; only a one-shot backend charge ends here. A customer on a Checkout page or
    an Elements form may try another card, so those sessions stay open."""
    error = ctx.obj.get("last_payment_error") or {}
    _update(
        ctx.session,
        **_unknown(ctx.session, stripe_payment_intent_id=ctx.obj["id"]),
        failure_code=(error.get("code") or "")[:100],
        failure_decline_code=(error.get("decline_code") or "")[:100],
        failure_message=error.get("message") or "",
    )
    if ctx.session.flow == Flow.BACKEND:
        _transition(ctx, PaymentStatus.FAILED)


# -- charges and refunds -----------------------------------------------------------------------


def charge_succeeded(ctx: EventContext) -> None:
    charge = ctx.obj
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    new_ids = _unknown(
        ctx.session,
        stripe_payment_intent_id=stripe_id(charge.get("payment_intent")),
        stripe_charge_id=charge["id"],
    )
    _update(
        ctx.session,
        **new_ids,
        card_brand=(card.get("brand") or ctx.session.card_brand)[:20],
        card_last4=card.get("last4") or ctx.session.card_last4,
        card_exp_month=card.get("exp_month") or ctx.session.card_exp_month,
        card_exp_year=card.get("exp_year") or ctx.session.card_exp_year,
        receipt_url=charge.get("receipt_url") or ctx.session.receipt_url,
    )
    _book_charge(ctx, charge["id"], charge)


def charge_refunded(ctx: EventContext) -> None:
    """Apply the refunds the charge carries; if it does not carry them all, fetch them."""
    charge = ctx.obj
    _update(
        ctx.session,
        **_unknown(
            ctx.session,
            stripe_payment_intent_id=stripe_id(charge.get("payment_intent")),
            stripe_charge_id=charge["id"],
        ),
    )
    listed = charge.get("refunds") if isinstance(charge.get("refunds"), dict) else {}
    refunds = [r for r in listed.get("data") or [] if isinstance(r, dict)]
    for refund in reversed(refunds):  # Stripe lists newest first
        refund_apply_stripe(session=ctx.session, data=refund, actor=ctx.actor, payload=ctx.event)
    # The charge's amount_refunded counts pending refunds too.
    covered = sum(r["amount"] for r in refunds if r.get("status") in _REFUND_COUNTED)
    if listed.get("has_more") or covered < int(charge.get("amount_refunded") or 0):
        task_named("charge_refunds_sync").enqueue(
            session_id=str(ctx.session.pk), charge_id=charge["id"]
        )


def refund_changed(ctx: EventContext) -> None:
    refund_apply_stripe(session=ctx.session, data=ctx.obj, actor=ctx.actor, payload=ctx.event)


# -- disputes ----------------------------------------------------------------------------------

_DISPUTE_STATUS = {
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
    # An inquiry closed without becoming a chargeback: the money stays with us.
    "warning_closed": DisputeStatus.WON,
}
_DISPUTE_CLOSED = (DisputeStatus.WON, DisputeStatus.LOST)


def dispute_changed(ctx: EventContext) -> None:
    """Track the dispute's status (closed stays closed) and book funds withdrawn/reinstated."""
    dispute = ctx.obj
    new_status = _DISPUTE_STATUS.get(dispute.get("status") or "", DisputeStatus.OPEN)
    old_status = ctx.session.dispute_status
    if old_status in _DISPUTE_CLOSED and new_status == DisputeStatus.OPEN:
        new_status = old_status  # A stale "updated" that arrived after "closed".
    _update(ctx.session, dispute_status=new_status)
    if new_status != old_status:
        on_dispute_changed(session=ctx.session, old_dispute_status=old_status, actor=ctx.actor)
    written = ledger_record_dispute(session=ctx.session, dispute=dispute)
    if new_status != old_status or written:
        payment_log_create(
            session=ctx.session,
            event_type=LogEvent.DISPUTE_UPDATED,
            actor=ctx.actor,
            old_status=old_status,
            new_status=new_status,
            payload=ctx.event,
        )


Handler = Callable[[EventContext], None]

HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": checkout_session_completed,
    "checkout.session.async_payment_succeeded": checkout_session_completed,
    "checkout.session.async_payment_failed": checkout_session_async_payment_failed,
    "checkout.session.expired": checkout_session_expired,
    "payment_intent.succeeded": payment_intent_succeeded,
    "payment_intent.processing": payment_intent_processing,
    "payment_intent.canceled": payment_intent_canceled,
    "payment_intent.payment_failed": payment_intent_payment_failed,
    "charge.succeeded": charge_succeeded,
    "charge.refunded": charge_refunded,
    "refund.created": refund_changed,
    "refund.updated": refund_changed,
    "refund.failed": refund_changed,
    "charge.refund.updated": refund_changed,
    "charge.dispute.created": dispute_changed,
    "charge.dispute.updated": dispute_changed,
    "charge.dispute.closed": dispute_changed,
    "charge.dispute.funds_withdrawn": dispute_changed,
    "charge.dispute.funds_reinstated": dispute_changed,
}
