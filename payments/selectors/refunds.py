"""Reads of refunds: the refunds of one session, for the API and the commands."""

from django.db.models import QuerySet

from payments.models import PaymentSession, Refund


def refund_list(*, session: PaymentSession) -> QuerySet[Refund]:
    """The refunds of one session, oldest first."""
    return Refund.objects.filter(session=session).order_by("created_at")
