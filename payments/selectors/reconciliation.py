"""Reads for ``reconcile_payments``: the sessions of a window, their ledger rows and refunds,
and which of our sessions a Stripe object belongs to."""

import uuid
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q

from payments.models import PaymentSession, Refund, Transaction

# Sessions are read in chunks from a server-side cursor: bounded memory for any window.
CHUNK_SIZE = 200


def sessions_for_reconciliation(
    *, since: datetime | None, until: datetime | None, session_id: uuid.UUID | None = None
) -> Iterator[PaymentSession]:
    """Sessions created in ``[since, until)`` (or the one ``session_id``) that reached Stripe."""
    sessions = PaymentSession.objects.filter(
        Q(stripe_checkout_session_id__isnull=False)
        | Q(stripe_payment_intent_id__isnull=False)
        | Q(stripe_charge_id__isnull=False)
    )
    if session_id is not None:
        sessions = sessions.filter(pk=session_id)
    if since is not None:
        sessions = sessions.filter(created_at__gte=since)
    if until is not None:
        sessions = sessions.filter(created_at__lt=until)
    return sessions.order_by("created_at", "id").iterator(chunk_size=CHUNK_SIZE)


def session_for_reconciliation(*, session_id: uuid.UUID) -> PaymentSession | None:
    return PaymentSession.objects.filter(pk=session_id).first()


def session_ledger_rows(*, session_id: uuid.UUID) -> dict[tuple[str, str], Transaction]:
    """The session's ledger rows by ``(kind, stripe_object_id)`` (the ledger's unique key)."""
    rows = Transaction.objects.filter(session_id=session_id)
    return {(row.kind, row.stripe_object_id): row for row in rows}


def session_refunds(*, session_id: uuid.UUID) -> list[Refund]:
    return list(Refund.objects.filter(session_id=session_id).order_by("created_at"))


def ledger_has_balance_transaction(*, balance_transaction_id: str, kind: str, source: str) -> bool:
    """Whether a ledger row records this balance transaction: by its id, or (rows written
    before Stripe told us the id) by the object it belongs to."""
    match = Q(stripe_balance_transaction_id=balance_transaction_id)
    if kind:
        match |= Q(kind=kind, stripe_object_id=source)
    return Transaction.objects.filter(match).exists()


def session_id_for_stripe_source(source: str) -> uuid.UUID | None:
    """Our session a charge, refund or dispute id belongs to; ``None`` if it is not ours."""
    if not source:
        return None
    found = PaymentSession.objects.filter(stripe_charge_id=source).values_list("pk", flat=True)
    for session_id in found[:1]:
        return session_id
    for session_id in Refund.objects.filter(stripe_refund_id=source).values_list(
        "session_id", flat=True
    )[:1]:
        return session_id
    for session_id in Transaction.objects.filter(stripe_object_id=source).values_list(
        "session_id", flat=True
    )[:1]:
        return session_id
    return None
