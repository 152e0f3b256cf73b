"""Refunds asked for through the API (or the admin): check, reserve, send to Stripe.

``refund_create`` runs in three atomic phases (Brandur Leach's "atomic phases"):

1. under the session's row lock, check what is refundable and insert a ``pending`` refund,
   which reserves its amount so two concurrent refunds cannot both take the last of it;
2. with no lock held, create the Stripe refund with an idempotency key derived from our
   refund id, so a retry can never refund twice (after a 5xx that Stripe keeps under that
   key, ``stripe_attempts`` looks the refund up and sends again under the next key);
3. under the lock again, apply Stripe's answer (``refund_sync.refund_apply_stripe``, which
   the webhooks use too).
"""

import uuid

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from payments import exceptions as exc
from payments import stripe_api
from payments.models import PaymentSession, Refund
from payments.models.logs import LogEvent
from payments.models.refunds import RefundStatus
from payments.money import format_money
from payments.services.audit import payment_log_create
from payments.services.refund_sync import refund_apply_stripe
from payments.services.sessions import session_lock
from payments.services.stripe_attempts import stripe_create_resuming

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
        return stripe_create_resuming(
            send=lambda attempt: stripe_api.refund_create(
                refund_id=refund.pk,
                session_id=session.pk,
                payment_intent=session.stripe_payment_intent_id,
                amount=refund.amount,
                reason=refund.reason,
                # A destination charge: take the payee's share and the platform fee back too.
                reverse_transfer=session.connected_account_id is not None,
                attempt=attempt,
            ),
            find=lambda: stripe_api.refund_find(
                payment_intent=session.stripe_payment_intent_id, refund_id=refund.pk
            ),
            what=f"refund {refund.pk}",
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


def _reserved_amount(*, session: PaymentSession) -> int:
    reserved = Refund.objects.filter(session=session, status__in=_RESERVING).aggregate(
        total=Sum("amount")
    )
    return reserved["total"] or 0


def _money(amount: int, session: PaymentSession) -> str:
    return format_money(amount, session.currency)
