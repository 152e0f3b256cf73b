"""Balance transactions: the money movements behind charges, refunds and disputes."""

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


def for_refund(ctx: Context, refund: dict[str, Any]) -> dict[str, Any]:
    """Stripe keeps its processing fee on refunds: fee 0, net = -amount."""
    return new_balance_transaction(
        ctx,
        amount=-refund["amount"],
        currency=refund["currency"],
        source=refund["id"],
        kind="refund",
        category="refund",
        description=f"REFUND FOR CHARGE ({refund['charge']})",
    )


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
