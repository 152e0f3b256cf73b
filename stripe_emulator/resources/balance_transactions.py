"""Balance transactions: the money movements behind charges, refunds and disputes.

Money going back (refunds, transfer reversals, application fee refunds) is booked and
counted against what it returns by ``book_return`` and ``count_return``.
"""

from __future__ import annotations

from typing import Any

from .. import ids, money
from ..context import Context
from ..listing import paginate
from ..routing import route
from . import balance


def new_balance_transaction(
    ctx: Context,
    *,
    amount: int,
    currency: str,
    source: str,
    kind: str,
    category: str,
    description: str | None,
    fee: int = 0,
    fee_description: str = "Stripe processing fees",
    available: bool = False,
) -> dict[str, Any]:
    """`available`: usable at once (payouts and their reversals); other money settles after
    the emulator's `availability_delay` (see `balance.py`)."""
    created = ctx.now()
    delay = 0 if available else balance.availability_delay(ctx)
    fee_details = []
    if fee:
        fee_details.append(
            {
                "amount": fee,
                "application": None,
                "currency": currency,
                "description": fee_description,
                "type": "stripe_fee",
            }
        )
    transaction = {
        "id": ids.new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + delay,
        "balance_type": "payments",
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": fee_details,
        "net": amount - fee,
        "reporting_category": category,
        "source": source,
        "status": "pending" if delay else "available",
        "type": kind,
    }
    return ctx.store.add(transaction)


def for_charge(ctx: Context, charge: dict[str, Any], amount: int) -> dict[str, Any]:
    currency = charge["currency"]
    return new_balance_transaction(
        ctx,
        amount=amount,
        currency=currency,
        source=charge["id"],
        kind="charge",
        category="charge",
        description=charge["description"],
        fee=money.processing_fee(amount, currency),
    )


def book_return(
    ctx: Context,
    item: dict[str, Any],
    *,
    amount: int,
    kind: str,
    category: str,
    description: str | None = None,
) -> dict[str, Any]:
    """Store money going back (a refund, a transfer reversal, an application fee refund) with
    its balance transaction of ``amount`` (signed, as the platform's balance moves)."""
    ctx.store.add(item)
    item["balance_transaction"] = new_balance_transaction(
        ctx,
        amount=amount,
        currency=item["currency"],
        source=item["id"],
        kind=kind,
        category=category,
        description=description,
    )["id"]
    return item


def count_return(
    ctx: Context,
    parent: dict[str, Any],
    item: dict[str, Any],
    *,
    total: str,
    flag: str,
    whole: int,
    listed: str | None = None,
) -> dict[str, Any]:
    """Count ``item`` against what it returns money of: ``parent[total]`` grows by its amount,
    ``parent[flag]`` is set once ``whole`` is back, and a ``listed`` sublist shows it first.
    Returns the previous values, for the event's ``previous_attributes``."""
    counted = parent[total] + item["amount"]
    changes: dict[str, Any] = {total: counted, flag: counted >= whole}
    if listed:
        shown = parent[listed]
        changes[listed] = {
            **shown,
            "data": [item, *shown["data"]],
            "total_count": shown["total_count"] + 1,
        }
    return ctx.changed(parent, **changes)


def for_refund_failure(ctx: Context, refund: dict[str, Any]) -> dict[str, Any]:
    return new_balance_transaction(
        ctx,
        amount=refund["amount"],
        currency=refund["currency"],
        source=refund["id"],
        kind="refund_failure",
        category="refund_failure",
        description=f"REFUND FAILURE FOR CHARGE ({refund['charge']})",
    )


def for_dispute(ctx: Context, dispute: dict[str, Any]) -> dict[str, Any]:
    currency = dispute["currency"]
    return new_balance_transaction(
        ctx,
        amount=-dispute["amount"],
        currency=currency,
        source=dispute["id"],
        kind="adjustment",
        category="dispute",
        description=f"Chargeback withdrawal for {dispute['charge']}",
        fee=money.dispute_fee(currency),
        fee_description="Dispute fee",
    )


def for_dispute_won(ctx: Context, dispute: dict[str, Any]) -> dict[str, Any]:
    """Winning returns the disputed amount; the dispute fee is not refunded (Stripe's policy)."""
    return new_balance_transaction(
        ctx,
        amount=dispute["amount"],
        currency=dispute["currency"],
        source=dispute["id"],
        kind="adjustment",
        category="dispute_reversal",
        description=f"Chargeback reversal for {dispute['charge']}",
    )


@route("GET", "/v1/balance_transactions/{id}")
def retrieve_balance_transaction(ctx: Context) -> dict[str, Any]:
    balance.settle_due(ctx)
    return ctx.store.fetch(ctx.args["id"], "balance_transaction")


@route("GET", "/v1/balance_transactions")
def list_balance_transactions(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    balance.settle_due(ctx)
    paid_out = balance.transactions_of(ctx, params["payout"]) if params.get("payout") else None
    rows = [
        transaction
        for transaction in ctx.store.all("balance_transaction")
        if (paid_out is None or transaction["id"] in paid_out)
        and all(
            params.get(field) in (None, transaction[field])
            for field in ("source", "type", "currency")
        )
    ]
    return paginate(ctx.store, rows, params, "/v1/balance_transactions", "balance_transaction")
