"""Stripe Billing: subscriptions, their invoices, the Billing Portal and test clocks.

At the pinned API version an invoice names its PaymentIntent and charge only through
``payments`` (expand it) and its client secret through ``confirmation_secret``; a
subscription's current period is on its items.
"""

from typing import Any

from payments.stripe_api.core import StripeResult, call, client, idempotency_key, post_options


def price_create(
    *,
    request_id: object,
    amount: int,
    currency: str,
    interval: str,
    interval_count: int,
    product_name: str,
) -> StripeResult:
    """A recurring price with its product made inline (``product_data``): a subscription
    item's inline ``price_data`` needs an existing product, this call needs none."""
    return call(
        client().v1.prices.create,
        params={
            "currency": currency,
            "unit_amount": amount,
            "recurring": {"interval": interval, "interval_count": interval_count},
            "product_data": {"name": product_name or "Subscription"},
        },
        options=post_options(idempotency_key("price", request_id)),
    )


def price_retrieve(stripe_id: str) -> StripeResult:
    """A price, to subscribe to it by id (its amount, currency and ``recurring``)."""
    return call(client().v1.prices.retrieve, stripe_id)


def subscription_create(
    *,
    subscription_id: object,
    stripe_customer_id: str,
    price: str,
    trial_days: int | None = None,
    metadata: dict[str, Any] | None = None,
    connect_params: dict[str, Any] | None = None,
) -> StripeResult:
    """A ``default_incomplete`` subscription to ``price`` for our ``subscription_id``, its
    first invoice's ``confirmation_secret`` expanded (the Elements client secret).
    ``connect_params``: ``transfer_data``/``application_fee_percent`` of a marketplace payee."""
    item = {"price": price}
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    meta["payments_subscription_id"] = str(subscription_id)
    params: dict[str, Any] = {
        "customer": stripe_customer_id,
        "items": [item],
        "payment_behavior": "default_incomplete",
        "payment_settings": {"save_default_payment_method": "on_subscription"},
        "metadata": meta,
        "expand": ["latest_invoice.confirmation_secret"],
    }
    if trial_days:
        params["trial_period_days"] = trial_days
    params.update(connect_params or {})
    return call(
        client().v1.subscriptions.create,
        params=params,
        options=post_options(idempotency_key("subscription", subscription_id)),
    )


def subscription_retrieve(stripe_id: str) -> StripeResult:
    return call(
        client().v1.subscriptions.retrieve, stripe_id, params={"expand": ["latest_invoice"]}
    )


def subscription_cancel_at_period_end_set(
    *, request_id: object, stripe_id: str, cancel_at_period_end: bool
) -> StripeResult:
    """Schedule (``True``) or undo (``False``) the cancellation at the period's end."""
    return call(
        client().v1.subscriptions.update,
        stripe_id,
        params={"cancel_at_period_end": cancel_at_period_end},
        options=post_options(idempotency_key("subscription_update", request_id)),
    )


def subscription_cancel(*, request_id: object, stripe_id: str) -> StripeResult:
    """Cancel at once (Stripe sends ``customer.subscription.deleted``)."""
    return call(
        client().v1.subscriptions.cancel,
        stripe_id,
        options=post_options(idempotency_key("subscription_cancel", request_id)),
    )


def billing_portal_session_create(
    *, request_id: object, stripe_customer_id: str, return_url: str
) -> StripeResult:
    return call(
        client().v1.billing_portal.sessions.create,
        params={"customer": stripe_customer_id, "return_url": return_url},
        options=post_options(idempotency_key("billing_portal_session", request_id)),
    )


def invoice_retrieve(stripe_id: str) -> StripeResult:
    """An invoice with its ``payments`` (``payments.data[].payment.payment_intent``/``.charge``)."""
    return call(client().v1.invoices.retrieve, stripe_id, params={"expand": ["payments"]})


def test_clock_create(*, request_id: object, frozen_time: int, name: str = "") -> StripeResult:
    params: dict[str, Any] = {"frozen_time": frozen_time}
    if name:
        params["name"] = name
    return call(
        client().v1.test_helpers.test_clocks.create,
        params=params,
        options=post_options(idempotency_key("test_clock", request_id)),
    )


def checkout_session_create_subscription(
    *,
    subscription_id: object,
    stripe_customer_id: str,
    price: str,
    success_url: str,
    cancel_url: str,
    trial_days: int | None = None,
    metadata: dict[str, Any] | None = None,
    connect_params: dict[str, Any] | None = None,
) -> StripeResult:
    """A Checkout Session in ``mode=subscription`` to ``price`` for our ``subscription_id``,
    which the subscription it makes carries in its metadata (so its events find our row).
    ``connect_params`` go into ``subscription_data`` (see ``subscription_create``)."""
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    meta["payments_subscription_id"] = str(subscription_id)
    subscription_data: dict[str, Any] = {"metadata": meta, **(connect_params or {})}
    if trial_days:
        subscription_data["trial_period_days"] = trial_days
    return call(
        client().v1.checkout.sessions.create,
        params={
            "mode": "subscription",
            "customer": stripe_customer_id,
            "line_items": [{"price": price, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": {"payments_subscription_id": str(subscription_id)},
            "subscription_data": subscription_data,
        },
        options=post_options(idempotency_key("subscription_checkout", subscription_id)),
    )
