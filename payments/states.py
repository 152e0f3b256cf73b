"""The payment status machine: every allowed transition, in one place.

Statuses only move forward. ``created`` is ours alone (the Stripe object does not exist yet);
``pending`` means the customer can pay; ``processing`` means Stripe is settling the money.
"""

from django.db import models


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created"
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    EXPIRED = "expired", "Expired"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


class DisputeStatus(models.TextChoices):
    NONE = "", "No dispute"
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


S = PaymentStatus
_OPEN_ENDINGS = {S.SUCCEEDED, S.FAILED, S.CANCELED, S.EXPIRED}

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.PENDING, S.PROCESSING, *_OPEN_ENDINGS}),
    S.PENDING: frozenset({S.PROCESSING, *_OPEN_ENDINGS}),
    S.PROCESSING: frozenset(_OPEN_ENDINGS),
    S.SUCCEEDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.REFUNDED}),
    S.FAILED: frozenset(),
    S.CANCELED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REFUNDED: frozenset(),
}

PAID_STATUSES = frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED})
REFUNDABLE_STATUSES = frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED})


def can_transition(old: str, new: str) -> bool:
    """True when a session in ``old`` may move to ``new``."""
    return new in ALLOWED_TRANSITIONS.get(old, frozenset())


def refund_status_for(*, amount: int, amount_refunded: int) -> str:
    """The paid status that matches how much of ``amount`` has been refunded."""
    if amount_refunded <= 0:
        return S.SUCCEEDED
    return S.REFUNDED if amount_refunded >= amount else S.PARTIALLY_REFUNDED
