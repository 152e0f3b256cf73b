"""Reads of the ledger (``Transaction`` rows): totals per kind, for reconciliation and tests."""

from django.db.models import Sum

from payments.models import PaymentSession, Transaction


def ledger_totals(*, session: PaymentSession) -> dict[str, int]:
    """Sum of ``gross`` per kind for one session."""
    rows = (
        Transaction.objects.filter(session=session)
        .values("kind")
        .annotate(total=Sum("gross"))
        .order_by()
    )
    return {row["kind"]: row["total"] for row in rows}
