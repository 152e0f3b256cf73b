"""The Stripe adapter: the only code that talks to Stripe.

Each function makes exactly one SDK call, takes and returns plain values (integer minor units,
dicts in a ``StripeResult``) and raises ``payments.exceptions`` instead of ``stripe`` errors.
Every POST carries an idempotency key derived from one of our own row ids. Only
``payments.stripe_api.core`` imports ``stripe``.
"""

from payments.stripe_api.billing import (
    billing_portal_session_create,
    checkout_session_create_subscription,
    invoice_retrieve,
    price_create,
    price_retrieve,
    subscription_cancel,
    subscription_cancel_at_period_end_set,
    subscription_create,
    subscription_retrieve,
    test_clock_create,
)
from payments.stripe_api.connect import (
    account_create,
    account_link_create,
    account_retrieve,
    application_fee_retrieve,
    transfer_retrieve,
)
from payments.stripe_api.core import (
    StripeResult,
    idempotency_key,
    sdk_api_version,
    webhook_event_verify,
)
from payments.stripe_api.customers import (
    customer_create,
    customer_default_payment_method_set,
    customer_payment_method_list,
    customer_retrieve,
    payment_method_attach,
    payment_method_detach,
    payment_method_retrieve,
)
from payments.stripe_api.listing import (
    balance_transaction_iter,
    charge_refund_iter,
    checkout_session_find,
    checkout_session_iter,
    payment_intent_find,
    payment_intent_iter,
    refund_find,
)
from payments.stripe_api.payments import (
    CHECKOUT_MAX_EXPIRY_SECONDS,
    CHECKOUT_MIN_EXPIRY_SECONDS,
    balance_transaction_retrieve,
    charge_retrieve,
    checkout_session_create,
    checkout_session_expire,
    checkout_session_retrieve,
    event_list,
    payment_intent_cancel,
    payment_intent_create,
    payment_intent_retrieve,
    refund_create,
    refund_list,
)
from payments.stripe_api.payouts import payout_balance_transaction_iter

__all__ = [
    "CHECKOUT_MAX_EXPIRY_SECONDS",
    "CHECKOUT_MIN_EXPIRY_SECONDS",
    "StripeResult",
    "account_create",
    "account_link_create",
    "account_retrieve",
    "application_fee_retrieve",
    "balance_transaction_iter",
    "balance_transaction_retrieve",
    "billing_portal_session_create",
    "charge_refund_iter",
    "charge_retrieve",
    "checkout_session_create",
    "checkout_session_create_subscription",
    "checkout_session_expire",
    "checkout_session_find",
    "checkout_session_iter",
    "checkout_session_retrieve",
    "customer_create",
    "customer_default_payment_method_set",
    "customer_payment_method_list",
    "customer_retrieve",
    "event_list",
    "idempotency_key",
    "invoice_retrieve",
    "payment_intent_cancel",
    "payment_intent_create",
    "payment_intent_find",
    "payment_intent_iter",
    "payment_intent_retrieve",
    "payment_method_attach",
    "payment_method_detach",
    "payment_method_retrieve",
    "payout_balance_transaction_iter",
    "price_create",
    "price_retrieve",
    "refund_create",
    "refund_find",
    "refund_list",
    "sdk_api_version",
    "subscription_cancel",
    "subscription_cancel_at_period_end_set",
    "subscription_create",
    "subscription_retrieve",
    "test_clock_create",
    "transfer_retrieve",
    "webhook_event_verify",
]
