"""Staff search over subscriptions (the admin's search box): every owner's, by exact keys."""

import re
import uuid

from django.db.models import Q, QuerySet

from payments.models import Customer, Subscription
from payments.selectors.sessions import MAX_CUSTOMER_MATCHES, customer_ids_with_email

_FULL_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A Stripe id's prefix says which column holds it.
_STRIPE_ID_FIELDS = {
    "sub": "stripe_subscription_id",
    "price": "stripe_price_id",
    "cus": "customer__stripe_customer_id",
    "in": "sessions__stripe_invoice_id",
}


def subscription_search(queryset: QuerySet[Subscription], term: str) -> QuerySet[Subscription]:
    """Narrow ``queryset`` to subscriptions matching ``term``: our id, a Stripe id (the
    subscription's, its price's, its customer's or one of its invoices'), a customer's e-mail
    (whole or part) or name, or a payable id."""
    term = term.strip()
    if not term:
        return queryset
    try:
        return queryset.filter(pk=uuid.UUID(term))
    except ValueError:
        pass
    prefix, _, rest = term.partition("_")
    if rest and prefix in _STRIPE_ID_FIELDS:
        return queryset.filter(**{_STRIPE_ID_FIELDS[prefix]: term}).distinct()
    if _FULL_EMAIL.match(term):
        customers = customer_ids_with_email(term)
    else:
        customers = Customer.objects.filter(Q(email__icontains=term) | Q(name__icontains=term))
    customer_ids = list(customers.values_list("pk", flat=True)[:MAX_CUSTOMER_MATCHES])
    return queryset.filter(Q(payable_id=term) | Q(customer_id__in=customer_ids))
