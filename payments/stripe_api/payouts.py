"""Payouts: the balance transactions Stripe paid out in one automatic payout.

One kind of SDK call (``GET /v1/balance_transactions?payout=``), followed page by page with
the SDK's auto-paging, so memory stays bounded however large the payout. ``stripe_account``
reads a connected account's payout (Stripe Connect); empty for the platform's own.
"""

from collections.abc import Iterator
from typing import Any

from payments.stripe_api.core import _translated_errors, client
from payments.stripe_api.listing import MAX_PAGE_SIZE


def payout_balance_transaction_iter(
    *, payout: str, stripe_account: str = "", page_size: int = 100
) -> Iterator[dict[str, Any]]:
    """Every balance transaction of automatic payout ``payout`` (the payout's own included)."""
    params = {"payout": payout, "limit": max(1, min(page_size, MAX_PAGE_SIZE))}
    options = {"stripe_account": stripe_account} if stripe_account else {}
    with _translated_errors():
        first = client().v1.balance_transactions.list(params=params, options=options)
        for obj in first.auto_paging_iter():
            yield obj.to_dict()
