"""A charge's settled facts, read back from Stripe: its ledger row and its refunds.

The bodies of the ``charge_ledger_sync`` and ``charge_refunds_sync`` tasks (``payments.tasks``),
queued by webhook handlers when an event does not carry what is needed. Each is idempotent:
running one twice, or after a webhook already did its work, changes nothing. When Stripe is
unreachable the task is queued again later (``payments.services.retries``).
"""

from typing import Any

from django.db import transaction

from payments import exceptions as exc
from payments import stripe_api
from payments.models import PaymentSession
from payments.models.ledger import TransactionKind
from payments.selectors.ledger import ledger_entry_exists
from payments.services.connect_ledger import connect_ledger_after_charge
from payments.services.ledger import ledger_record_charge
from payments.services.refunds import refund_apply_stripe
from payments.services.retries import task_retry_later
from payments.services.sessions import session_lock
from payments.services.task_queue import task_named

_MAX_REFUND_PAGES = 20
_TRANSIENT = (exc.ProviderUnavailable, exc.ProviderRateLimited)


def charge_book(
    *, session: PaymentSession, charge: dict[str, Any], balance_transaction: dict[str, Any]
) -> bool:
    """Write the ``charge`` ledger row of a succeeded charge (the caller holds the session's
    lock) and, the first time, what Stripe Connect books with it: a destination charge's
    transfer and application fee. True if the row is new."""
    written = ledger_record_charge(
        session=session, charge=charge, balance_transaction=balance_transaction
    )
    if written:
        connect_ledger_after_charge(session=session, charge=charge)
    return written


def charge_ledger_sync(*, session_id: str, charge_id: str, attempt: int = 0) -> str:
    """Write the ``charge`` ledger row with Stripe's fee and net from the balance transaction."""
    if ledger_entry_exists(kind=TransactionKind.CHARGE, stripe_object_id=charge_id):
        return "already recorded"
    kwargs = {"session_id": session_id, "charge_id": charge_id}
    try:
        charge = stripe_api.charge_retrieve(charge_id).data
    except _TRANSIENT as error:
        return task_retry_later("charge_ledger_sync", error, attempt=attempt, **kwargs)
    if charge.get("status") == "failed":
        return "charge failed: nothing to record"
    balance_transaction = charge.get("balance_transaction")
    if charge.get("status") != "succeeded" or not isinstance(balance_transaction, dict):
        # Not settled yet (some payment methods book the balance transaction later).
        return task_retry_later("charge_ledger_sync", None, attempt=attempt, **kwargs)
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        written = charge_book(
            session=session, charge=charge, balance_transaction=balance_transaction
        )
        if charge.get("amount_refunded"):
            # Refunds whose events came before we knew this charge were ignored then.
            task_named("charge_refunds_sync").enqueue(session_id=session_id, charge_id=charge_id)
    return "recorded" if written else "already recorded"


def charge_refunds_sync(*, session_id: str, charge_id: str, attempt: int = 0) -> str:
    """Fetch every refund of a charge from Stripe and apply it (after a ``charge.refunded``
    that did not carry its refunds)."""
    refunds: list[dict] = []
    starting_after = None
    try:
        for _ in range(_MAX_REFUND_PAGES):
            page = stripe_api.refund_list(charge=charge_id, starting_after=starting_after).data
            refunds += page.get("data") or []
            if not page.get("has_more") or not page.get("data"):
                break
            starting_after = page["data"][-1]["id"]
    except _TRANSIENT as error:
        return task_retry_later(
            "charge_refunds_sync",
            error,
            attempt=attempt,
            session_id=session_id,
            charge_id=charge_id,
        )
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        for refund in reversed(refunds):  # oldest first, as they happened
            refund_apply_stripe(
                session=session, data=refund, actor=f"task:charge_refunds_sync:{charge_id}"
            )
    return f"{len(refunds)} refunds applied"
