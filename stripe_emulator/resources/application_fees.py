"""Application fees: the platform's share of a destination charge, and their refunds."""

from __future__ import annotations

from typing import Any

from .. import ids
from ..context import Context
from ..listing import paginate
from ..routing import route
from . import balance_transactions

APPLICATION = "ca_emulatorplatform0000000000"


def new_application_fee(ctx: Context, charge: dict[str, Any], amount: int) -> dict[str, Any]:
    """Stripe collects `application_fee_amount` back from the connected account."""
    fee_id = ids.new_id("fee")
    fee = {
        "id": fee_id,
        "object": "application_fee",
        "account": charge["transfer_data"]["destination"],
        "amount": amount,
        "amount_refunded": 0,
        "application": APPLICATION,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now(),
        "currency": charge["currency"],
        "fee_source": {"charge": charge["id"], "type": "charge"},
        "livemode": False,
        "originating_transaction": None,
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                    "url": f"/v1/application_fees/{fee_id}/refunds"},
    }  # fmt: skip
    ctx.store.add(fee)
    fee["balance_transaction"] = balance_transactions.new_balance_transaction(
        ctx, amount=amount, currency=fee["currency"], source=fee_id,
        kind="application_fee", category="platform_earning", description=None,
    )["id"]  # fmt: skip
    ctx.emit("application_fee.created", fee)
    return fee


def refund_fee(ctx: Context, fee: dict[str, Any], amount: int) -> dict[str, Any]:
    """Give `amount` of the fee back to the connected account (refund_application_fee)."""
    fee_refund = {
        "id": ids.new_id("fr"),
        "object": "fee_refund",
        "amount": amount,
        "balance_transaction": None,
        "created": ctx.now(),
        "currency": fee["currency"],
        "fee": fee["id"],
        "metadata": {},
    }
    balance_transactions.book_return(
        ctx,
        fee_refund,
        amount=-amount,
        kind="application_fee_refund",
        category="platform_earning_refund",
    )
    previous = balance_transactions.count_return(
        ctx,
        fee,
        fee_refund,
        total="amount_refunded",
        flag="refunded",
        whole=fee["amount"],
        listed="refunds",
    )
    ctx.emit("application_fee.refunded", fee, previous)
    return fee_refund


@route("GET", "/v1/application_fees/{id}")
def retrieve_application_fee(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "application_fee")


@route("GET", "/v1/application_fees")
def list_application_fees(ctx: Context) -> dict[str, Any]:
    charge = ctx.params.get("charge")
    rows = [fee for fee in ctx.store.all("application_fee") if charge in (None, fee["charge"])]
    return paginate(ctx.store, rows, ctx.params, "/v1/application_fees", "application_fee")


@route("GET", "/v1/application_fees/{id}/refunds/{refund}")
def retrieve_fee_refund(ctx: Context) -> dict[str, Any]:
    ctx.store.fetch(ctx.args["id"], "application_fee")
    return ctx.store.fetch(ctx.args["refund"], "fee_refund")
