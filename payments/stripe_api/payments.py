"""Checkout Sessions, PaymentIntents, charges, refunds and events."""

import time
from typing import Any

from payments.stripe_api.core import (
    StripeResult,
    call,
    client,
    idempotency_key,
    post_options,
    session_metadata,
)

# -- checkout sessions -------------------------------------------------------------------------

# Stripe accepts a Checkout `expires_at` 30 minutes to 24 hours after creation.
CHECKOUT_MIN_EXPIRY_SECONDS = 30 * 60
CHECKOUT_MAX_EXPIRY_SECONDS = 24 * 60 * 60 - 5 * 60  # 5 minutes of margin for clock skew


def checkout_session_create(
    *,
    session_id: object,
    amount: int,
    currency: str,
    description: str,
    success_url: str,
    cancel_url: str,
    expires_at: int,
    stripe_customer_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    destination_params: dict[str, Any] | None = None,
    attempt: int = 0,
) -> StripeResult:
    """Create a one-line, one-off Checkout Session for our ``session_id``.

    ``expires_at`` is capped a margin under Stripe's 24 h maximum: Stripe measures it from
    its own clock, so a value of exactly 24 h is refused after any skew. ``attempt`` > 0
    sends under a new key after Stripe stored an error under the previous one."""
    expires_at = min(expires_at, int(time.time()) + CHECKOUT_MAX_EXPIRY_SECONDS)
    meta = session_metadata(session_id, metadata)
    intent_data: dict[str, Any] = {"metadata": meta, **(destination_params or {})}
    if description:
        intent_data["description"] = description
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": str(session_id),
        "metadata": meta,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": expires_at,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {"name": description or "Payment"},
                },
            }
        ],
        "payment_intent_data": intent_data,
    }
    if stripe_customer_id:
        params["customer"] = stripe_customer_id
    return call(
        client().v1.checkout.sessions.create,
        params=params,
        options=post_options(idempotency_key("checkout_session", session_id, attempt)),
    )


def checkout_session_retrieve(stripe_id: str) -> StripeResult:
    return call(client().v1.checkout.sessions.retrieve, stripe_id)


def checkout_session_expire(*, session_id: object, stripe_id: str) -> StripeResult:
    return call(
        client().v1.checkout.sessions.expire,
        stripe_id,
        options=post_options(idempotency_key("checkout_session_expire", session_id)),
    )


# -- payment intents ---------------------------------------------------------------------------


def payment_intent_create(
    *,
    session_id: object,
    amount: int,
    currency: str,
    description: str = "",
    stripe_customer_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    payment_method: str | None = None,
    confirm: bool = False,
    off_session: bool = False,
    save_payment_method: bool = False,
    return_url: str | None = None,
    destination_params: dict[str, Any] | None = None,
    attempt: int = 0,
) -> StripeResult:
    """Create (and, with ``confirm``, confirm in the same call) a PaymentIntent for our session.

    ``attempt`` > 0 sends under a new key after Stripe stored an error under the previous one."""
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "metadata": session_metadata(session_id, metadata),
        **(destination_params or {}),
    }
    if description:
        params["description"] = description
    if stripe_customer_id:
        params["customer"] = stripe_customer_id
    if payment_method:
        params["payment_method"] = payment_method
    # API 2026-09-30.endive removed `payment_method_types`: dynamic payment methods instead.
    # An intent confirmed here, on the server, either has a return_url for a redirect or may
    # not redirect at all (Stripe refuses the confirmation otherwise).
    redirects_back = confirm and not off_session and bool(return_url)
    params["automatic_payment_methods"] = (
        {"enabled": True}
        if redirects_back or not (confirm or payment_method)
        else {"enabled": True, "allow_redirects": "never"}
    )
    if confirm:
        params["confirm"] = True
        if off_session:
            params["off_session"] = True
        elif return_url:
            params["return_url"] = return_url
    if save_payment_method:
        params["setup_future_usage"] = "off_session"
    return call(
        client().v1.payment_intents.create,
        params=params,
        options=post_options(idempotency_key("payment_intent", session_id, attempt)),
    )


def payment_intent_retrieve(stripe_id: str) -> StripeResult:
    return call(client().v1.payment_intents.retrieve, stripe_id)


def payment_intent_cancel(*, session_id: object, stripe_id: str) -> StripeResult:
    return call(
        client().v1.payment_intents.cancel,
        stripe_id,
        options=post_options(idempotency_key("payment_intent_cancel", session_id)),
    )


# -- charges, balance transactions, refunds ----------------------------------------------------


def charge_retrieve(stripe_id: str) -> StripeResult:
    """A charge with its balance transaction expanded (Stripe's fee and net)."""
    return call(
        client().v1.charges.retrieve,
        stripe_id,
        params={"expand": ["balance_transaction"]},
    )


def balance_transaction_retrieve(stripe_id: str) -> StripeResult:
    return call(client().v1.balance_transactions.retrieve, stripe_id)


def refund_create(
    *,
    refund_id: object,
    session_id: object,
    payment_intent: str,
    amount: int,
    reason: str = "",
    reverse_transfer: bool = False,
    attempt: int = 0,
) -> StripeResult:
    """Refund ``amount`` of ``payment_intent`` for our refund ``refund_id`` (``attempt``: as
    for ``payment_intent_create``)."""
    params: dict[str, Any] = {
        "payment_intent": payment_intent,
        "amount": amount,
        "metadata": {
            "payments_session_id": str(session_id),
            "payments_refund_id": str(refund_id),
        },
    }
    if reason:
        params["reason"] = reason
    if reverse_transfer:
        params["reverse_transfer"] = True
        params["refund_application_fee"] = True
    return call(
        client().v1.refunds.create,
        params=params,
        options=post_options(idempotency_key("refund", refund_id, attempt)),
    )


def refund_list(
    *, charge: str, starting_after: str | None = None, limit: int = 100
) -> StripeResult:
    """One page of a charge's refunds, newest first."""
    params: dict[str, Any] = {"charge": charge, "limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    return call(client().v1.refunds.list, params=params)


# -- events and webhooks -----------------------------------------------------------------------


def event_list(
    *, created_gte: int, starting_after: str | None = None, limit: int = 100
) -> StripeResult:
    """One page of events created at or after ``created_gte``, newest first."""
    params: dict[str, Any] = {"created": {"gte": created_gte}, "limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    return call(client().v1.events.list, params=params)
