"""Every read, for the API, admin, commands and dashboard (the writes are services).

One module per concern: ``sessions`` (filtered lists, what a caller may see), ``refunds``,
``people`` (a person's payments and payee account), ``payment_methods`` (saved cards, read
from Stripe), ``ledger`` (totals), ``callbacks`` (what to redeliver), ``counts`` (cheap row
counts on big tables), ``reports`` (per-currency SQL aggregates and daily series),
``exports`` (CSV rows).
"""

from payments.selectors.counts import queryset_count_estimate
from payments.selectors.reports import (
    Period,
    daily_series,
    payments_report,
    period_for,
)
from payments.selectors.sessions import (
    SessionFilters,
    customer_ids_with_email,
    payable_types,
    payment_session_list,
    payment_session_search,
    sessions_visible_to,
)

__all__ = [
    "Period",
    "SessionFilters",
    "customer_ids_with_email",
    "daily_series",
    "payable_types",
    "payment_session_list",
    "payment_session_search",
    "payments_report",
    "period_for",
    "queryset_count_estimate",
    "sessions_visible_to",
]
