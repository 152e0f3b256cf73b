"""Reads for people (Django users) as payers and payees: their payments and payee account.

A person is only ever shown their own rows; everything here takes the user and filters by it.
"""

from django.db.models import Q, QuerySet

from payments.models import ConnectedAccount, PaymentSession

PAYER, PAYEE = "payer", "payee"
# The original cleaning-marketplace API: `user_type=client|cleaner`.
ROLE_ALIASES = {"client": PAYER, "cleaner": PAYEE}


def payments_of_user(*, user, role: str = "") -> QuerySet[PaymentSession]:
    """The user's payments as payer (their customer paid), payee (paid to their connected
    account), or both; newest first."""
    role = ROLE_ALIASES.get(role, role)
    # Only the user's own backend charges have the user's customer (API clients have their
    # own customers), so nothing a client does appears here as the user's payment.
    as_payer = Q(customer__user=user, api_client__isnull=True)
    as_payee = Q(connected_account__user=user)
    condition = {PAYER: as_payer, PAYEE: as_payee}.get(role, as_payer | as_payee)
    return (
        PaymentSession.objects.filter(condition)
        .select_related("customer", "connected_account")
        .prefetch_related("refunds")
        .order_by("-created_at", "-id")
    )


def connected_account_of_user(*, user) -> QuerySet[ConnectedAccount]:
    """The user's own payee account (at most one row: the user column is unique)."""
    return ConnectedAccount.objects.filter(user=user)
