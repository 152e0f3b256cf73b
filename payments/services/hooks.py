"""What else happens, in the same transaction, when a session's status changes.

Kept apart from ``sessions`` so that callbacks and alerts plug in without touching the state
machine.
"""

from payments.models import PaymentSession


def on_status_changed(*, session: PaymentSession, old_status: str, actor: str) -> None:
    """Enqueue follow-up work (callbacks, alerts) for a status change. Runs inside the lock."""
