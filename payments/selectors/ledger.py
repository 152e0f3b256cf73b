"""Reads of the ledger (``Transaction`` rows): whether a row is there, totals per kind."""

from django.db.models import Sum

from payments.models import PaymentSession, Transaction


def ledger_entry_exists(*, kind: str, stripe_object_id: str) -> bool:
    """Whether the ledger already has this Stripe object's row of this kind."""
    return Transaction.objects.filter(kind=kind, stripe_object_id=stripe_object_id).exists()


def ledger_totals(*, session: PaymentSession) -> dict[str, int]:
    """Sum of ``gross`` per kind for one session."""
    rows = (
        Transaction.objects.filter(session=session)
        .values("kind")
        .annotate(total=Sum("gross"))
        .order_by()
    )
    return {row["kind"]: row["total"] for row in rows}
