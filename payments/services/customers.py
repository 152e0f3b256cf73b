"""Customers of API clients: one per client and e-mail address, never shared between owners."""

from django.db import transaction

from payments import stripe_api
from payments.models import APIClient, Customer


def customer_get_or_create(
    *, api_client: APIClient, email: str, name: str = "", phone: str = ""
) -> Customer:
    """``api_client``'s customer for ``email`` (case-insensitive), created on first use.

    Customers are per owner: another client's customer with the same e-mail, or an end
    user's own customer, is never found, shown or changed here. Race-free: INSERT … ON
    CONFLICT DO NOTHING, then read. Fills a blank name or phone with what this client sent.
    """
    email = email.strip().lower()
    Customer.objects.bulk_create(
        [Customer(api_client=api_client, email=email, name=name, phone=phone)],
        ignore_conflicts=True,
    )
    customer = Customer.objects.get(api_client=api_client, email__iexact=email)
    missing = {
        field: value
        for field, value in (("name", name), ("phone", phone))
        if value and not getattr(customer, field)
    }
    if missing:
        Customer.objects.filter(pk=customer.pk).update(**missing)
        for field, value in missing.items():
            setattr(customer, field, value)
    return customer


def customer_ensure_stripe(*, customer: Customer, test_clock: str = "") -> Customer:
    """Give ``customer`` its Stripe customer, once, whoever asks first (network call); on
    Stripe test clock ``test_clock`` when given (Stripe allows that only at creation)."""
    if customer.stripe_customer_id:
        return customer
    result = stripe_api.customer_create(
        customer_id=customer.pk,
        email=customer.email,
        name=customer.name,
        phone=customer.phone,
        test_clock=test_clock,
    )
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk, stripe_customer_id__isnull=True).update(
            stripe_customer_id=result.id
        )
    customer.refresh_from_db(fields=["stripe_customer_id"])
    return customer
