"""People (Django users) as payers and payees: their customer record and their payments.

A person is only ever shown their own customer, cards and payments; everything here takes
the user and filters by it.
"""

from django.db import transaction
from django.db.models import Q, QuerySet

from payments import exceptions as exc
from payments.models import Customer, PaymentSession

PAYER, PAYEE = "payer", "payee"
# The original cleaning-marketplace API: `user_type=client|cleaner`.
ROLE_ALIASES = {"client": PAYER, "cleaner": PAYEE}


class CustomerEmailTaken(exc.PaymentsError):
    code = "customer_email_taken"
    http_status = 409


def user_email(user) -> str:
    """The user's e-mail, or a placeholder that can never receive mail (RFC 2606)."""
    return (user.email or f"user-{user.pk}@users.payments.invalid").strip().lower()


@transaction.atomic
def customer_for_user(*, user) -> Customer:
    """The user's customer record, created on first use.

    A customer with the user's e-mail that no user owns yet (made by an API client's
    checkout) is linked to the user: customers are one per e-mail address. One linked to
    another user is refused rather than shared.
    """
    customer = Customer.objects.filter(user=user).first()
    if customer is not None:
        return customer
    email = user_email(user)
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    Customer.objects.bulk_create(
        [Customer(email=email, name=name, user=user)], ignore_conflicts=True
    )
    customer = Customer.objects.select_for_update().get(email__iexact=email)
    if customer.user_id is None:
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])
    elif customer.user_id != user.pk:
        raise CustomerEmailTaken(
            f"The e-mail address of user {user.pk} already belongs to another user's payments "
            "customer; give the user a unique e-mail address.",
            param="email",
        )
    return customer


def payments_of_user(*, user, role: str = "") -> QuerySet[PaymentSession]:
    """The user's payments as payer (their customer paid), payee (paid to their connected
    account), or both; newest first."""
    role = ROLE_ALIASES.get(role, role)
    as_payer = Q(customer__user=user)
    as_payee = Q(connected_account__user=user)
    condition = {PAYER: as_payer, PAYEE: as_payee}.get(role, as_payer | as_payee)
    return (
        PaymentSession.objects.filter(condition)
        .select_related("customer", "connected_account")
        .prefetch_related("refunds")
        .order_by("-created_at", "-id")
    )
