"""One module per Stripe resource; importing this package registers every route.

To add a resource (e.g. Stripe Connect accounts), add a module with `@route` handlers
and import it here.
"""

from . import (  # noqa: F401
    accounts,
    application_fees,
    balance,
    balance_transactions,
    charges,
    checkout_sessions,
    customers,
    destinations,
    disputes,
    events,
    payment_intents,
    payment_methods,
    payouts,
    refunds,
    transfers,
    webhook_endpoints,
)
