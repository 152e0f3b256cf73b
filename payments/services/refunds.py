"""Refunds: asked for through the API, confirmed by Stripe's answer or its webhooks.

``refund_create`` runs in three atomic phases (Brandur Leach's "atomic phases"):

1. under the session's row lock, check what is refundable and insert a ``pending`` refund,
   which reserves its amount so two concurrent refunds cannot both take the last of it;
2. with no lock held, create the Stripe refund with an idempotency key derived from our
   refund id, so a retry can never refund twice;
3. under the lock again, apply Stripe's answer.

Whichever of the API answer, ``refund.*`` or ``charge.refunded`` arrives first applies the
refund; ``session.amount_refunded`` is recomputed from succeeded refunds, never incremented,
so a refund is never counted twice.
"""

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from payments import exceptions as exc
from payments import stripe_api
from payments.models import PaymentSession, Refund
from payments.models.ledger import TransactionKind
from payments.models.logs import LogEvent
from payments.models.refunds import RefundReason, RefundStatus
from payments.money import format_money
from payments.services.audit import payment_log_create
from payments.services.connect_ledger import connect_ledger_after_refund
from payments.services.ledger import ledger_record_refund
from payments.services.sessions import session_lock, session_transition
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
_RESERVING = (RefundStatus.PENDING, RefundStatus.SUCCEEDED)


def refund_create(
    *,
    session_id: object,
    amount: int | None,
    reason: str,
    requested_by: str,
    refund_id: uuid.UUID | None = None,
) -> Refund:
    """Refund ``amount`` (default: all that is left) of a paid session through Stripe.

    Raises ``NotRefundable`` or ``RefundExceedsRefundable`` before anything is sent. When
    Stripe cannot be reached the refund stays ``pending`` and the error propagates; calling
    again with the same ``refund_id`` resumes it. A definitive refusal by Stripe marks the
    refund ``failed`` (releasing its reservation) and propagates too.
    """
    refund = _refund_reserve(
        session_id=session_id,
        amount=amount,
        reason=reason,
        requested_by=requested_by,
        refund_id=refund_id,
    )
    if refund.status != RefundStatus.PENDING or refund.stripe_refund_id:
        return refund  # Stripe already answered: this is a retry of a finished request.
    result = _refund_send(refund=refund, actor=requested_by)
    with transaction.atomic():
        session = session_lock(session_id=refund.session_id)
        return refund_apply_stripe(
            session=session,
            data=result.data,
            actor=requested_by,
            stripe_request_id=result.request_id,
        )


def _refund_reserve(
    *,
    session_id: object,
    amount: int | None,
    reason: str,
    requested_by: str,
    refund_id: uuid.UUID | None,
) -> Refund:
    """Phase 1: check and reserve under the session's lock (or find the refund to resume)."""
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        if refund_id is not None:
            existing = Refund.objects.filter(pk=refund_id, session=session).first()
            if existing is not None:
                return existing
        if not session.can_refund() or not session.stripe_payment_intent_id:
            raise exc.NotRefundable(
                f"Session {session.pk} cannot be refunded: its status is {session.status}"
                + ("" if session.stripe_payment_intent_id else " and it has no Stripe payment")
                + f", with {_money(session.amount_refunded, session)} already refunded."
            )
        refundable = session.amount - _reserved_amount(session=session)
        if refundable <= 0:
            raise exc.NotRefundable(
                f"Nothing is left to refund on session {session.pk}: pending and succeeded "
                f"refunds already cover {_money(session.amount, session)}."
            )
        amount = refundable if amount is None else amount
        if amount <= 0:
            raise exc.RefundExceedsRefundable(
                "amount must be a positive integer in minor units.", param="amount"
            )
        if amount > refundable:
            raise exc.RefundExceedsRefundable(
                f"amount {amount} is more than the refundable remainder {refundable} "
                f"({_money(refundable, session)}) of session {session.pk}.",
                param="amount",
            )
        refund = Refund.objects.create(
            id=refund_id or uuid.uuid4(),
            session=session,
            amount=amount,
            currency=session.currency,
            reason=reason,
            requested_by=requested_by,
        )
        payment_log_create(
            session=session,
            event_type=LogEvent.REFUND_CREATED,
            actor=requested_by,
            payload={"refund_id": str(refund.pk), "amount": amount, "reason": reason},
        )
        return refund


def _refund_send(*, refund: Refund, actor: str) -> stripe_api.StripeResult:
    """Phase 2: ask Stripe, holding no lock. Its idempotency key is derived from our id."""
    session = refund.session
    try:
        return stripe_api.refund_create(
            refund_id=refund.pk,
            session_id=session.pk,
            payment_intent=session.stripe_payment_intent_id,
            amount=refund.amount,
            reason=refund.reason,
            # A destination charge: take the payee's share and the platform fee back in part.
            reverse_transfer=session.connected_account_id is not None,
        )
    except (exc.InvalidProviderRequest, exc.CardDeclined) as error:
        _refund_refused(refund=refund, error=error, actor=actor)
        raise
    except exc.ProviderError as error:
        payment_log_create(
            session=session,
            event_type=LogEvent.ERROR,
            actor=actor,
            stripe_request_id=error.request_id,
            payload={"refund_id": str(refund.pk), "code": error.code},
            error_message=f"Refund {refund.pk} not sent to Stripe: {error.message}",
        )
        raise


def _refund_refused(*, refund: Refund, error: exc.ProviderError, actor: str) -> None:
    """Stripe said no for good: the refund fails and its amount is free again."""
    with transaction.atomic():
        session = session_lock(session_id=refund.session_id)
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.FAILED,
            failure_reason=(error.code or "refused")[:255],
            updated_at=timezone.now(),
        )
        payment_log_create(
            session=session,
            event_type=LogEvent.REFUND_UPDATED,
            actor=actor,
            old_status=RefundStatus.PENDING,
            new_status=RefundStatus.FAILED,
            stripe_request_id=error.request_id,
            payload={"refund_id": str(refund.pk), "code": error.code, "param": error.param},
            error_message=error.message,
        )


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


def _reserved_amount(*, session: PaymentSession) -> int:
    reserved = Refund.objects.filter(session=session, status__in=_RESERVING).aggregate(
        total=Sum("amount")
    )
    return reserved["total"] or 0


def _money(amount: int, session: PaymentSession) -> str:
    return format_money(amount, session.currency)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
