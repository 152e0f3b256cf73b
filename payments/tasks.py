"""Every background task of the app (Django's tasks API, database backend; worker:
``manage.py db_worker``): thin shells, each calling one service that holds the logic.

Services queue these by name (``payments.services.task_queue``) inside their own transactions,
so a task exists exactly when the change that called for it was committed. Every task is
idempotent: running one twice, or after a webhook already did its work, changes nothing.
Arguments are plain strings (JSON). A task whose call to another system fails transiently
queues itself again later, on one policy (``payments.services.retries``); callbacks keep
their own schedule (``payments.services.callback_delivery``).

The queue stores a task by its import path (``payments.tasks.<name>``): renaming or moving
one strands the rows already queued, so keep an alias at the old path for a release
(``payments.alert_tasks``, ``payments.callback_tasks`` and ``payments.connect_tasks`` are
such aliases).
"""

from payments.services import (
    alerts,
    callback_delivery,
    charge_sync,
    connect_ledger,
    payouts,
    subscription_sync,
)
from payments.task_compat import task


@task()
def charge_ledger_sync(*, session_id: str, charge_id: str, attempt: int = 0) -> str:
    """Write the ``charge`` ledger row with Stripe's fee and net from the balance transaction."""
    return charge_sync.charge_ledger_sync(
        session_id=session_id, charge_id=charge_id, attempt=attempt
    )


@task()
def subscription_invoice_sync(*, session_id: str, invoice_id: str, attempt: int = 0) -> str:
    """Link a paid subscription invoice's PaymentIntent and charge to its session."""
    return subscription_sync.subscription_invoice_sync(
        session_id=session_id, invoice_id=invoice_id, attempt=attempt
    )


@task()
def charge_refunds_sync(*, session_id: str, charge_id: str, attempt: int = 0) -> str:
    """Fetch every refund of a charge from Stripe and apply it."""
    return charge_sync.charge_refunds_sync(
        session_id=session_id, charge_id=charge_id, attempt=attempt
    )


@task()
def connect_ledger_sync(*, session_id: str, attempt: int = 0) -> str:
    """Book a destination charge's transfer and application fee, with their reversals."""
    return connect_ledger.connect_ledger_sync(session_id=session_id, attempt=attempt)


@task()
def deliver_callback(*, callback_id: str) -> str:
    """POST one callback, signed; on a transient failure the service queues the next try."""
    return callback_delivery.callback_deliver(callback_id=callback_id)


@task()
def send_failure_alert(*, session_id: str, attempt: int = 0) -> str:
    """Tell ``PAYMENTS['ALERT_EMAILS']`` that a payment failed."""
    return alerts.failure_alert_send(session_id=session_id, attempt=attempt)


@task()
def send_receipt(*, session_id: str, attempt: int = 0) -> str:
    """Send the customer a receipt for a successful payment."""
    return alerts.receipt_send(session_id=session_id, attempt=attempt)


@task()
def payout_contents_sync(*, payout_id: str, attempt: int = 0) -> str:
    """Store which balance transactions (charges, refunds, fees, ...) a payout paid out."""
    return payouts.payout_contents_sync(payout_id=payout_id, attempt=attempt)
