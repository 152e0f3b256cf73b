"""The account balance: `GET /v1/balance`, and funds moving from pending to available.

A balance transaction is `pending` until its `available_on` and `available` from then on
(Stripe's settlement). The delay is the emulator's `availability_delay` (seconds; 0, the
default, makes funds available at once). Nothing ticks on its own: transactions whose time
has come are marked available whenever the balance, a balance transaction or a payout is
read or made (`settle_due`), which is all anyone can observe.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .. import errors
from ..context import Context
from ..routing import route

PAYOUT_TYPES = frozenset({"payout", "payout_cancel", "payout_failure"})


def availability_delay(ctx: Context) -> int:
    return int(getattr(ctx.emulator, "availability_delay", 0) or 0)


def settle_due(ctx: Context) -> None:
    """Mark every pending balance transaction whose `available_on` has passed available."""
    now = ctx.now()
    for transaction in ctx.store.all("balance_transaction"):
        if transaction["status"] == "pending" and transaction["available_on"] <= now:
            transaction["status"] = "available"


def totals(ctx: Context) -> dict[str, dict[str, int]]:
    """`{currency: {"available": n, "pending": n}}`: net amounts by status."""
    settle_due(ctx)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: {"available": 0, "pending": 0})
    for transaction in ctx.store.all("balance_transaction"):
        sums[transaction["currency"]][transaction["status"]] += transaction["net"]
    return dict(sums)


def unpaid_available(ctx: Context, currency: str) -> list[dict[str, Any]]:
    """Available transactions in `currency` that no automatic payout has paid out yet."""
    settle_due(ctx)
    return [
        transaction
        for transaction in ctx.store.all("balance_transaction")
        if transaction["currency"] == currency
        and transaction["status"] == "available"
        and transaction["type"] not in PAYOUT_TYPES
        and not ctx.store.meta(transaction["id"]).get("payout")
    ]


def _amounts(sums: dict[str, dict[str, int]], status: str) -> list[dict[str, Any]]:
    return [
        {"amount": figures[status], "currency": currency, "source_types": {"card": figures[status]}}
        for currency, figures in sorted(sums.items())
    ]


@route("GET", "/v1/balance")
def retrieve_balance(ctx: Context) -> dict[str, Any]:
    sums = totals(ctx) or {"usd": {"available": 0, "pending": 0}}
    return {
        "object": "balance",
        "available": _amounts(sums, "available"),
        "connect_reserved": [{"amount": 0, "currency": code} for code in sorted(sums)],
        "livemode": False,
        "pending": _amounts(sums, "pending"),
        "refund_and_dispute_prefunding": None,
    }


def transactions_of(ctx: Context, payout_id: str) -> set[str]:
    """The ids of the balance transactions an automatic payout paid out (for the list filter)."""
    payout = ctx.store.fetch(payout_id, "payout", param="payout")
    if not payout["automatic"]:
        raise errors.invalid_request(
            "Balance transaction history can only be filtered on automatic transfers, not "
            "manual.", param="payout",
        )  # fmt: skip
    return {
        transaction["id"]
        for transaction in ctx.store.all("balance_transaction")
        if ctx.store.meta(transaction["id"]).get("payout") == payout_id
    }
