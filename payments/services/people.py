"""People (Django users) as payers and payees: their customer record and their payments.

A person is only ever shown their own customer, cards and payments; everything here takes
the user and filters by it.
"""

from django.db import transaction
from django.db.models import Q, QuerySet

from payments.models import Customer, PaymentSession

PAYER, PAYEE = "payer", "payee"
# The original cleaning-marketplace API: `user_type=client|cleaner`.
ROLE_ALIASES = {"client": PAYER, "cleaner": PAYEE}


def user_email(user) -> str:
    """The user's e-mail, or a placeholder that can never receive mail (RFC 2606)."""
    return (user.email or f"user-{user.pk}@users.payments.invalid").strip().lower()


@transaction.atomic
def customer_for_user(*, user) -> Customer:
    """The user's own customer record, created on first use.

    It belongs to the user alone: an API client's customer with the same e-mail address is a
    different row that is never linked, read or filled in here (nor is this one by clients).
    Race-free: the user column is unique, so concurrent first uses insert one row.
    """
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    Customer.objects.bulk_create(
        [Customer(email=user_email(user), name=name, user=user)], ignore_conflicts=True
    )
    return Customer.objects.get(user=user)


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
