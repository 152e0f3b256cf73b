"""Transfers to connected accounts (made by destination charges) and their reversals."""

from __future__ import annotations

from typing import Any

from .. import ids
from ..context import Context
from ..listing import paginate
from ..routing import route
from . import balance_transactions


def new_transfer(ctx: Context, charge: dict[str, Any], amount: int) -> dict[str, Any]:
    """The platform pays `amount` of a destination charge to `transfer_data.destination`."""
    transfer_id = ids.new_id("tr")
    transfer = {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": None,
        "created": ctx.now(),
        "currency": charge["currency"],
        "description": None,
        "destination": charge["transfer_data"]["destination"],
        "destination_payment": ids.new_id("py"),
        "livemode": False,
        "metadata": {},
        "reversals": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                      "url": f"/v1/transfers/{transfer_id}/reversals"},
        "reversed": False,
        "source_transaction": charge["id"],
        "source_type": "card",
        "transfer_group": charge["transfer_group"] or f"group_{charge['payment_intent']}",
    }  # fmt: skip
    ctx.store.add(transfer)
    transfer["balance_transaction"] = balance_transactions.new_balance_transaction(
        ctx, amount=-amount, currency=transfer["currency"], source=transfer_id,
        kind="transfer", category="transfer", description=None,
    )["id"]  # fmt: skip
    ctx.emit("transfer.created", transfer)
    return transfer


def reverse(ctx: Context, transfer: dict[str, Any], amount: int, refund_id: str) -> dict:
    """Take `amount` back from the connected account (a refund with reverse_transfer)."""
    reversal = {
        "id": ids.new_id("trr"),
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": None,
        "created": ctx.now(),
        "currency": transfer["currency"],
        "destination_payment_refund": ids.new_id("pyr"),
        "metadata": {},
        "source_refund": refund_id,
        "transfer": transfer["id"],
    }
    balance_transactions.book_return(
        ctx, reversal, amount=amount, kind="transfer_refund", category="transfer_reversal"
    )
    previous = balance_transactions.count_return(
        ctx,
        transfer,
        reversal,
        total="amount_reversed",
        flag="reversed",
        whole=transfer["amount"],
        listed="reversals",
    )
    ctx.emit("transfer.reversed", transfer, previous)
    return reversal


@route("GET", "/v1/transfers/{id}")
def retrieve_transfer(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "transfer")


@route("GET", "/v1/transfers")
def list_transfers(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    rows = [
        transfer
        for transfer in ctx.store.all("transfer")
        if all(
            params.get(key) in (None, transfer[key]) for key in ("destination", "transfer_group")
        )
    ]
    return paginate(ctx.store, rows, params, "/v1/transfers", "transfer")


@route("GET", "/v1/transfers/{id}/reversals/{reversal}")
def retrieve_reversal(ctx: Context) -> dict[str, Any]:
    ctx.store.fetch(ctx.args["id"], "transfer")
    return ctx.store.fetch(ctx.args["reversal"], "transfer_reversal")
