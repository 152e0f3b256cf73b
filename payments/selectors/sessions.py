"""Payment session lists: one filter definition for the API, the commands and exports."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from payments.models import APIClient, Customer, PaymentSession, Refund

# Newest first; the id breaks ties so that paging is stable (index payments_session_newest_idx).
NEWEST_FIRST = ("-created_at", "-id")


@dataclass(frozen=True)
class SessionFilters:
    """What an operator may narrow a list of sessions by; ``None`` means "any".

    ``since`` is inclusive and ``until`` exclusive, both on ``created_at``.
    """

    status: str | None = None
    currency: str | None = None
    payable_type: str | None = None
    payable_id: str | None = None
    customer_email: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    flow: str | None = None
    # Our subscription id, or Stripe's (``sub_...``): that subscription's invoices.
    subscription: str | None = None

    def apply(self, queryset: QuerySet[PaymentSession]) -> QuerySet[PaymentSession]:
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.currency:
            queryset = queryset.filter(currency=self.currency.lower())
        if self.payable_type:
            queryset = queryset.filter(payable_type=self.payable_type)
        if self.payable_id:
            queryset = queryset.filter(payable_id=self.payable_id)
        if self.customer_email:
            queryset = queryset.filter(customer__in=customer_ids_with_email(self.customer_email))
        if self.since:
            queryset = queryset.filter(created_at__gte=self.since)
        if self.until:
            queryset = queryset.filter(created_at__lt=self.until)
        if self.flow:
            queryset = queryset.filter(flow=self.flow)
        if self.subscription:
            key = "stripe_subscription_id" if self.subscription.startswith("sub_") else "pk"
            queryset = queryset.filter(**{f"subscription__{key}": self.subscription})
        return queryset


def payment_session_list(*, filters: SessionFilters | None = None) -> QuerySet[PaymentSession]:
    """Sessions newest first with their customer and API client (no query per row)."""
    queryset = PaymentSession.objects.select_related("customer", "api_client").order_by(
        *NEWEST_FIRST
    )
    return (filters or SessionFilters()).apply(queryset)


def sessions_visible_to(
    *, api_client: APIClient | None, user=None, filters: SessionFilters | None = None
) -> QuerySet[PaymentSession]:
    """The sessions an API caller may see, newest first: a client only the sessions it
    created; a staff user all of them; anyone else none."""
    queryset = PaymentSession.objects.select_related("customer").order_by(*NEWEST_FIRST)
    if api_client is not None:
        queryset = queryset.filter(api_client=api_client)
    elif not (user is not None and user.is_authenticated and user.is_staff):
        queryset = queryset.none()
    return (filters or SessionFilters()).apply(queryset)


def payment_session_exists(*, session_id: object) -> bool:
    """Whether there is a payment session with this id (any owner: for operators)."""
    return PaymentSession.objects.filter(pk=session_id).exists()


def customer_ids_with_email(email: str) -> QuerySet[Customer]:
    """The customers (one per owner) with this e-mail address, any case, as a subquery: it is
    answered by the index on ``lower(email)`` rather than by scanning every customer. For
    staff and operators, who see every owner's payments."""
    return (
        Customer.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=email.strip().lower())
        .values("pk")
    )


# A Stripe id's prefix says which indexed column holds it.
_STRIPE_ID_FIELDS = {
    "cs": "stripe_checkout_session_id",
    "pi": "stripe_payment_intent_id",
    "ch": "stripe_charge_id",
    "py": "stripe_charge_id",
    "tr": "stripe_transfer_id",
    "fee": "stripe_application_fee_id",
    "cus": "customer__stripe_customer_id",
}
_FULL_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_CUSTOMER_MATCHES = 500


def payment_session_search(
    queryset: QuerySet[PaymentSession], term: str
) -> QuerySet[PaymentSession]:
    """Narrow ``queryset`` to sessions matching ``term``: our id, any Stripe id (including a
    refund's), a customer's e-mail (whole or part) or name, or a payable id.

    Each kind of term becomes equality on an indexed column, so a search stays fast on a
    million sessions; matching customers are looked up first (in the customers table) and at
    most ``MAX_CUSTOMER_MATCHES`` of them are used.
    """
    term = term.strip()
    if not term:
        return queryset
    try:
        return queryset.filter(pk=uuid.UUID(term))
    except ValueError:
        pass
    prefix, _, rest = term.partition("_")
    if rest and prefix == "re":
        refunds = Refund.objects.filter(stripe_refund_id=term)
        return queryset.filter(pk__in=refunds.values("session"))
    if rest and prefix in _STRIPE_ID_FIELDS:
        return queryset.filter(**{_STRIPE_ID_FIELDS[prefix]: term})
    if _FULL_EMAIL.match(term):
        customers = customer_ids_with_email(term)
    else:
        customers = Customer.objects.filter(Q(email__icontains=term) | Q(name__icontains=term))
    customer_ids = list(customers.values_list("pk", flat=True)[:MAX_CUSTOMER_MATCHES])
    return queryset.filter(Q(payable_id=term) | Q(customer_id__in=customer_ids))


# Each step asks the (payable_type, payable_id) index for the next type after the last one: a
# "loose index scan", so a handful of index probes instead of a DISTINCT over every session.
_PAYABLE_TYPES_SQL = """
WITH RECURSIVE found(payable_type, depth) AS (
    SELECT (SELECT MIN(payable_type) FROM {table}), 1
    UNION ALL
    SELECT (SELECT MIN(payable_type) FROM {table} WHERE payable_type > found.payable_type),
           depth + 1
    FROM found WHERE found.payable_type IS NOT NULL AND depth < %s
)
SELECT payable_type FROM found WHERE payable_type IS NOT NULL
"""


def payable_types(*, limit: int = 200, using: str = "default") -> list[str]:
    """Every distinct ``payable_type`` in use (at most ``limit``), sorted."""
    sql = _PAYABLE_TYPES_SQL.format(table=PaymentSession._meta.db_table)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]
