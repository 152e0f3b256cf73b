"""``reconcile_payments --fix``: bring a session in line with Stripe through the normal paths.

A stored Stripe event cannot simply be received again: the webhook service deduplicates it
(that is its job). So the repair hands Stripe's objects as they are now, freshly retrieved,
to the same webhook handlers a delivery of their latest event would run, under the session's
row lock, in one transaction: status changes go through the state machine (which refuses to
move backwards), refunds through the refund service, missing ledger rows through the ledger
service (which writes a row at most once). Nothing writes a column directly. The audit log
names the run (``reconcile:<run id>``) as the actor.
"""

import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from payments.models.ledger import TransactionKind
from payments.services import webhook_handlers as handlers
from payments.services.ledger import ledger_record_refund
from payments.services.reconciliation_compare import StripeState
from payments.services.refund_sync import session_refunds_sync
from payments.services.sessions import session_lock

# The handler a delivery of the object's latest event would run, by the object's status.
_CHECKOUT_HANDLERS = {
    "complete": ("checkout.session.completed", handlers.checkout_session_completed),
    "expired": ("checkout.session.expired", handlers.checkout_session_expired),
}
_INTENT_HANDLERS = {
    "succeeded": ("payment_intent.succeeded", handlers.payment_intent_succeeded),
    "processing": ("payment_intent.processing", handlers.payment_intent_processing),
    "canceled": ("payment_intent.canceled", handlers.payment_intent_canceled),
}


@dataclass(frozen=True)
class ReplayContext(handlers.EventContext):
    """An ``EventContext`` whose audit rows name the reconciliation run, not a Stripe event."""

    run_id: int = 0

    @property
    def actor(self) -> str:
        return f"reconcile:{self.run_id}"


def _context(session, run_id: int, event_type: str, obj: dict[str, Any]) -> ReplayContext:
    event = {
        "id": f"reconcile_{run_id}_{obj['id']}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return ReplayContext(event=event, session=session, run_id=run_id)


def session_repair(*, session_id: uuid.UUID, state: StripeState, run_id: int) -> None:
    """Apply Stripe's current objects to the session through the webhook handlers.

    Order matters as it does for events: the charge first (it tells the session its ids and
    books the charge's ledger row from the expanded balance transaction, so no task is
    needed), then the Checkout Session and PaymentIntent (status), then the refunds oldest
    first. Every handler is idempotent, so repairing a session that was right changes
    nothing."""
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        charge = state.charge
        if charge is not None and charge.get("status") == "succeeded":
            handlers.charge_succeeded(_context(session, run_id, "charge.succeeded", charge))
        for obj, table in ((state.checkout, _CHECKOUT_HANDLERS), (state.intent, _INTENT_HANDLERS)):
            found = table.get((obj or {}).get("status") or "")
            if obj is not None and found is not None:
                event_type, handler = found
                handler(_context(session, run_id, event_type, obj))
        for refund in reversed(state.refunds):  # Stripe lists newest first
            ctx = _context(session, run_id, "refund.updated", refund)
            handlers.refund_changed(ctx)
            if refund.get("status") == "succeeded":
                # A refund we already knew as succeeded whose ledger row went missing.
                ledger_record_refund(session=session, refund=refund, kind=TransactionKind.REFUND)
        session_refunds_sync(session=session, actor=f"reconcile:{run_id}")
