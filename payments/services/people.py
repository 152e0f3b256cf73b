"""People (Django users) as payers: their own customer record, created on first use.

Their payments, as payer or payee, are read in ``payments.selectors.people``.
"""

from django.db import transaction

from payments.models import Customer


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
