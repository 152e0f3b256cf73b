"""Refunds from Stripe's side: bring our refunds in line with Stripe's refund objects.

Whichever of the API answer, ``refund.*`` or ``charge.refunded`` arrives first applies the
refund; ``session.amount_refunded`` is recomputed from succeeded refunds, never incremented,
so a refund is never counted twice. Asking for a refund is ``refunds.refund_create``.
"""

import uuid
from typing import Any

from django.db.models import Q, Sum

from payments.models import PaymentSession, Refund
from payments.models.ledger import TransactionKind
from payments.models.logs import LogEvent
from payments.models.refunds import RefundReason, RefundStatus
from payments.services.audit import payment_log_create
from payments.services.connect_ledger import connect_ledger_after_refund
from payments.services.ledger import ledger_record_refund
from payments.services.sessions import session_transition
from payments.services.status_effects import on_amount_refunded_changed
from payments.states import refund_status_for

_STATUS_FROM_STRIPE = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}
# A refund's status only moves forward, so a late ``refund.created`` (pending) cannot undo a
# ``refund.updated`` (succeeded) that overtook it.
_RANK = {
    RefundStatus.PENDING: 0,
    RefundStatus.SUCCEEDED: 1,
    RefundStatus.FAILED: 2,
    RefundStatus.CANCELED: 2,
}


def refund_apply_stripe(
    *,
    session: PaymentSession,
    data: dict[str, Any],
    actor: str,
    payload: Any = None,
    stripe_request_id: str = "",
) -> Refund:
    """Bring our refund in line with Stripe's refund object ``data`` (idempotent).

    The caller holds the session's row lock. Finds the refund by Stripe id, then by our id
    in ``metadata.payments_refund_id``, or records a refund made elsewhere (the Dashboard).
    Writes the ledger row when it succeeds, recomputes ``amount_refunded`` and moves the
    session to ``partially_refunded`` / ``refunded``.
    """
    refund, created = _refund_for_stripe(session=session, data=data)
    old_status = RefundStatus.PENDING if created else refund.status
    new_status = _STATUS_FROM_STRIPE.get(data.get("status") or "", RefundStatus.PENDING)
    fields = []
    if refund.stripe_refund_id != data["id"]:
        refund.stripe_refund_id = data["id"]
        fields.append("stripe_refund_id")
    if _RANK[new_status] > _RANK[refund.status]:
        refund.status = new_status
        refund.failure_reason = (data.get("failure_reason") or "")[:255]
        fields += ["status", "failure_reason"]
    if not fields and not created:
        return refund
    if not created:
        refund.save(update_fields=[*fields, "updated_at"])
    payment_log_create(
        session=session,
        event_type=LogEvent.REFUND_CREATED if created else LogEvent.REFUND_UPDATED,
        actor=actor,
        old_status="" if created else old_status,
        new_status=refund.status,
        stripe_request_id=stripe_request_id,
        payload=payload if payload is not None else data,
    )
    if refund.status == old_status:
        return refund
    if refund.status == RefundStatus.SUCCEEDED:
        ledger_record_refund(session=session, refund=data)
        connect_ledger_after_refund(session=session)  # Connect: transfer reversal, fee refund
    elif old_status == RefundStatus.SUCCEEDED:
        ledger_record_refund(session=session, refund=data, kind=TransactionKind.REFUND_FAILURE)
    session_refunds_sync(session=session, actor=actor, payload=payload)
    return refund


def _refund_for_stripe(*, session: PaymentSession, data: dict[str, Any]) -> tuple[Refund, bool]:
    """Ours by Stripe's id, else by our id in the metadata (one query for both), else a new
    row for a refund made elsewhere."""
    ours = _uuid((data.get("metadata") or {}).get("payments_refund_id"))
    match = Q(stripe_refund_id=data["id"])
    if ours is not None:
        match |= Q(pk=ours, session=session)
    found = sorted(Refund.objects.filter(match), key=lambda r: r.stripe_refund_id != data["id"])
    if found:
        return found[0], False
    status = _STATUS_FROM_STRIPE.get(data.get("status") or "", RefundStatus.PENDING)
    reason = data.get("reason") or ""
    refund = Refund.objects.create(
        session=session,
        amount=int(data["amount"]),
        currency=data.get("currency") or session.currency,
        reason=reason if reason in RefundReason.values else "",
        status=status,
        stripe_refund_id=data["id"],
        requested_by="stripe",
        failure_reason=(data.get("failure_reason") or "")[:255],
    )
    return refund, True


def session_refunds_sync(*, session: PaymentSession, actor: str, payload: Any = None) -> None:
    """Recompute ``amount_refunded`` from succeeded refunds and move the session to match.

    The caller holds the session's row lock. Also called when a session becomes paid, so a
    refund that arrived before the payment's own events still moves it to ``refunded``.
    """
    total = (
        Refund.objects.filter(session=session, status=RefundStatus.SUCCEEDED).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    if total > session.amount:
        payment_log_create(
            session=session,
            event_type=LogEvent.ERROR,
            actor=actor,
            payload=payload,
            error_message=f"Succeeded refunds add up to {total}, more than {session.amount}.",
        )
        total = session.amount
    old_total = session.amount_refunded
    if total != old_total:
        session.amount_refunded = total
        session.save(update_fields=["amount_refunded", "updated_at"])
    if not session.is_paid():
        return
    session_refund_status_sync(session=session, actor=actor, payload=payload)
    if total != old_total:
        on_amount_refunded_changed(session=session, old_amount_refunded=old_total, actor=actor)


def session_refund_status_sync(*, session: PaymentSession, actor: str, payload: Any = None) -> None:
    """Move a paid session to the status its ``amount_refunded`` calls for (the caller holds
    the lock; ``amount_refunded`` is kept current even before the session is paid)."""
    target = refund_status_for(amount=session.amount, amount_refunded=session.amount_refunded)
    if session.is_paid() and target != session.status:
        session_transition(session=session, new_status=target, actor=actor, payload=payload)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
