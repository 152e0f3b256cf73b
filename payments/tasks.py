"""Background work (Django's tasks API, database backend; worker: ``manage.py db_worker``).

Webhook handlers enqueue these inside their own transaction, so a task exists exactly when
the event's effects were committed. Every task is idempotent: running one twice, or after
a webhook already did its work, changes nothing. Arguments are plain strings (JSON).

When Stripe is unreachable a task enqueues itself again a little later (bounded), because
the database backend does not retry failed tasks on its own.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from payments import exceptions as exc
from payments import stripe_api
from payments.models.ledger import TransactionKind
from payments.services.ledger import ledger_entry_exists, ledger_record_charge
from payments.services.refunds import refund_apply_stripe
from payments.services.sessions import session_lock
from payments.task_compat import task

logger = logging.getLogger(__name__)

# Seconds to wait before attempt n+1 after a transient Stripe error; then the task fails.
RETRY_DELAYS = (30, 120, 600, 1800, 3600, 4 * 3600)
_MAX_REFUND_PAGES = 20
_TRANSIENT = (exc.ProviderUnavailable, exc.ProviderRateLimited)


@task()
def charge_ledger_sync(*, session_id: str, charge_id: str, attempt: int = 0) -> str:
    """Write the ``charge`` ledger row with Stripe's fee and net from the balance transaction."""
    if ledger_entry_exists(kind=TransactionKind.CHARGE, stripe_object_id=charge_id):
        return "already recorded"
    kwargs = {"session_id": session_id, "charge_id": charge_id}
    try:
        charge = stripe_api.charge_retrieve(charge_id).data
    except _TRANSIENT as error:
        return _retry_later(charge_ledger_sync, error, attempt=attempt, **kwargs)
    if charge.get("status") == "failed":
        return "charge failed: nothing to record"
    balance_transaction = charge.get("balance_transaction")
    if charge.get("status") != "succeeded" or not isinstance(balance_transaction, dict):
        # Not settled yet (some payment methods book the balance transaction later).
        return _retry_later(charge_ledger_sync, None, attempt=attempt, **kwargs)
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        written = ledger_record_charge(
            session=session, charge=charge, balance_transaction=balance_transaction
        )
        if charge.get("amount_refunded"):
            # Refunds whose events came before we knew this charge were ignored then.
            charge_refunds_sync.enqueue(session_id=session_id, charge_id=charge_id)
    return "recorded" if written else "already recorded"


@task()
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
        return _retry_later(
            charge_refunds_sync,
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


def _retry_later(task_function, error: Exception | None, *, attempt: int, **kwargs: str) -> str:
    if attempt >= len(RETRY_DELAYS):
        if error is not None:
            raise error
        raise RuntimeError(f"Gave up after {attempt} attempts: {kwargs}")
    run_after = timezone.now() + timedelta(seconds=RETRY_DELAYS[attempt])
    task_function.using(run_after=run_after).enqueue(attempt=attempt + 1, **kwargs)
    logger.info("Retrying %s(%s) after %s: %s", task_function.name, kwargs, run_after, error)
    return f"retry {attempt + 1} scheduled for {run_after.isoformat()}"
