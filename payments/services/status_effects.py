"""The side effects of a status change: what else happens, in the same transaction, when a
session's status, dispute status or refunded amount changes (callbacks, alerts).

Kept apart from ``sessions`` so that callbacks and alerts plug in without touching the state
machine.
"""

from payments.models import PaymentSession
from payments.models.callbacks import CallbackType
from payments.services.alerts import alerts_on_status_changed
from payments.services.callbacks import (
    callback_create,
    callback_create_for_dispute,
    callback_create_for_status,
)
from payments.states import PaymentStatus


def on_status_changed(*, session: PaymentSession, old_status: str, actor: str) -> None:
    """Enqueue follow-up work (callbacks, alerts) for a status change. Runs inside the lock."""
    callback_create_for_status(session=session, actor=actor)
    alerts_on_status_changed(session=session, old_status=old_status)


def on_dispute_changed(*, session: PaymentSession, old_dispute_status: str, actor: str) -> None:
    """Call after saving a new ``dispute_status``, holding the session's row lock: queues the
    ``payment.dispute_opened`` / ``payment.dispute_closed`` callback."""
    callback_create_for_dispute(session=session, old_dispute_status=old_dispute_status, actor=actor)


def on_amount_refunded_changed(
    *, session: PaymentSession, old_amount_refunded: int, actor: str
) -> None:
    """Call after saving a new ``amount_refunded`` (holding the lock) and after any status
    transition: a further partial refund changes no status, but the client must hear of it."""
    further_partial_refund = (
        session.status == PaymentStatus.PARTIALLY_REFUNDED
        and old_amount_refunded > 0
        and session.amount_refunded != old_amount_refunded
    )
    if further_partial_refund:
        callback_create(session=session, type=CallbackType.PARTIALLY_REFUNDED, actor=actor)
