"""Writes to a person's saved cards: attach, detach, make default (reads are selectors).

Cards are PaymentMethods attached to the user's Stripe customer; the default is the
customer's ``invoice_settings.default_payment_method``. Every call checks that the card
belongs to the user's customer, so a person can never see or touch another person's card
(they get the same "not found" as for a card that does not exist).
"""

import uuid

from payments import exceptions as exc
from payments import stripe_api
from payments.models import Customer
from payments.selectors.payment_methods import (
    SavedCard,
    default_payment_method_id,
    saved_card_from,
)
from payments.services.customers import customer_ensure_stripe
from payments.services.people import customer_for_user


class PaymentMethodNotFound(exc.PaymentsError):
    code = "payment_method_not_found"
    http_status = 404


def _not_found(payment_method: str) -> PaymentMethodNotFound:
    return PaymentMethodNotFound(
        f"No saved payment method '{payment_method}' for this user.", param="id"
    )


def payment_method_owned(*, user, payment_method: str, allow_unattached: bool = False) -> Customer:
    """The user's (Stripe-backed) customer, after checking ``payment_method`` is theirs.

    With ``allow_unattached`` a new, unsaved PaymentMethod passes too (a card the person just
    entered). Raises ``PaymentMethodNotFound`` otherwise, whoever owns it.
    """
    customer = customer_ensure_stripe(customer=customer_for_user(user=user))
    try:
        owner = stripe_api.payment_method_retrieve(payment_method).data.get("customer")
    except exc.InvalidProviderRequest as error:
        if error.provider_http_status == 404:
            raise _not_found(payment_method) from None
        raise
    if owner == customer.stripe_customer_id or (owner is None and allow_unattached):
        return customer
    raise _not_found(payment_method)


def payment_method_attach_for_user(
    *, user, payment_method: str, set_default: bool, request_id: object
) -> SavedCard:
    """Save a card to the user's Stripe customer (created on first use). The first card
    becomes the default. A card Stripe declines at attach time raises ``CardDeclined``."""
    customer = customer_ensure_stripe(customer=customer_for_user(user=user))
    attached = stripe_api.payment_method_attach(
        request_id=request_id,
        stripe_customer_id=customer.stripe_customer_id,
        payment_method=payment_method,
    ).data
    default_id = default_payment_method_id(customer)
    if set_default or default_id is None:
        stripe_api.customer_default_payment_method_set(
            customer_id=customer.pk,
            stripe_customer_id=customer.stripe_customer_id,
            payment_method=attached["id"],
            request_id=request_id,
        )
        default_id = attached["id"]
    return saved_card_from(attached, default_id)


def payment_method_detach_for_user(*, user, payment_method: str) -> None:
    """Remove a saved card (Stripe detaches it for good)."""
    customer = payment_method_owned(user=user, payment_method=payment_method)
    stripe_api.payment_method_detach(customer_id=customer.pk, payment_method=payment_method)


def payment_method_set_default_for_user(*, user, payment_method: str) -> SavedCard:
    """Make a saved card the default for future payments."""
    customer = payment_method_owned(user=user, payment_method=payment_method)
    stripe_api.customer_default_payment_method_set(
        customer_id=customer.pk,
        stripe_customer_id=customer.stripe_customer_id,
        payment_method=payment_method,
        request_id=uuid.uuid4(),
    )
    data = stripe_api.payment_method_retrieve(payment_method).data
    return saved_card_from(data, payment_method)
