"""One module per Stripe resource; importing this package registers every route.

To add a resource (e.g. Stripe Connect accounts), add a module with `@route` handlers
and import it here.
"""

from . import (  # noqa: F401
    accounts,
    application_fees,
    balance,
    balance_transactions,
    billing_portal,
    charges,
    checkout_sessions,
    checkout_subscriptions,
    customers,
    destinations,
    disputes,
    events,
    invoice_payments,
    invoices,
    payment_intents,
    payment_methods,
    payouts,
    prices,
    products,
    refunds,
    subscriptions,
    test_clocks,
    transfers,
    webhook_endpoints,
)
