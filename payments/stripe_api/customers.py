"""Customers and their saved payment methods."""

from typing import Any

from payments.stripe_api.core import (
    StripeResult,
    call,
    client,
    idempotency_key,
    post_options,
)

# -- customers ---------------------------------------------------------------------------------


def customer_create(
    *, customer_id: object, email: str, name: str = "", phone: str = "", test_clock: str = ""
) -> StripeResult:
    """A Stripe customer for our ``customer_id``; on ``test_clock`` (test mode) when given,
    which Stripe allows only at creation: its subscriptions then renew as the clock moves."""
    params: dict[str, Any] = {
        "email": email,
        "metadata": {"payments_customer_id": str(customer_id)},
    }
    if test_clock:
        params["test_clock"] = test_clock
    if name:
        params["name"] = name
    if phone:
        params["phone"] = phone
    return call(
        client().v1.customers.create,
        params=params,
        options=post_options(idempotency_key("customer", customer_id)),
    )


def customer_retrieve(stripe_id: str) -> StripeResult:
    return call(client().v1.customers.retrieve, stripe_id)


def customer_default_payment_method_set(
    *, customer_id: object, stripe_customer_id: str, payment_method: str, request_id: object
) -> StripeResult:
    """Make ``payment_method`` the customer's default (``invoice_settings``).

    ``request_id`` is ours for this change, so setting A, B, then A again is three updates.
    """
    return call(
        client().v1.customers.update,
        stripe_customer_id,
        params={"invoice_settings": {"default_payment_method": payment_method}},
        options=post_options(idempotency_key("customer_default_pm", f"{customer_id}:{request_id}")),
    )


# -- payment methods ---------------------------------------------------------------------------


def payment_method_attach(
    *, request_id: object, stripe_customer_id: str, payment_method: str
) -> StripeResult:
    """Save a card (``pm_...`` or a test token) to a customer; declined cards are refused."""
    return call(
        client().v1.payment_methods.attach,
        payment_method,
        params={"customer": stripe_customer_id},
        options=post_options(idempotency_key("payment_method_attach", request_id)),
    )


def payment_method_detach(*, customer_id: object, payment_method: str) -> StripeResult:
    return call(
        client().v1.payment_methods.detach,
        payment_method,
        options=post_options(
            idempotency_key("payment_method_detach", f"{customer_id}:{payment_method}")
        ),
    )


def payment_method_retrieve(stripe_id: str) -> StripeResult:
    return call(client().v1.payment_methods.retrieve, stripe_id)


def customer_payment_method_list(*, stripe_customer_id: str, limit: int = 100) -> StripeResult:
    """The customer's saved cards, newest first (one page: people keep a handful)."""
    return call(
        client().v1.customers.payment_methods.list,
        stripe_customer_id,
        params={"type": "card", "limit": limit},
    )
