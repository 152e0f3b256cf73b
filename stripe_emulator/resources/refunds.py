"""Refunds: card refunds succeed at once, except on `pm_card_refundFail` cards where they stay
pending until `/_emulator/refunds/{id}/fail` makes them fail."""

from __future__ import annotations

from typing import Any

from .. import errors, ids, money
from ..context import Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from . import balance_transactions, destinations, payment_methods

OPEN_DISPUTE = ("warning_needs_response", "needs_response", "under_review",
                "warning_under_review", "lost")  # fmt: skip


def check_create(params: dict[str, Any]) -> None:
    if not params.get("charge") and not params.get("payment_intent"):
        raise errors.invalid_request(
            "One of the following params should be provided for this request: payment_intent "
            "or charge.",
            code="parameter_missing",
        )
    if params.get("charge") and params.get("payment_intent"):
        raise errors.invalid_request(
            "You may only specify one of these parameters: charge, payment_intent.",
            param="payment_intent",
        )


def _charge_to_refund(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("charge"):
        charge = ctx.store.fetch(params["charge"], "charge", param="charge")
    else:
        intent = ctx.store.fetch(params["payment_intent"], "payment_intent", param="payment_intent")
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise errors.invalid_request(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
                code="payment_intent_unexpected_state",
            )
        charge = ctx.store.fetch(intent["latest_charge"], "charge")
    if charge["status"] != "succeeded" or not charge["captured"]:
        raise errors.invalid_request(
            f"Charge {charge['id']} has not succeeded or is not captured; it cannot be refunded.",
            param="charge",
        )
    return charge


def _check_refundable(ctx: Context, charge: dict[str, Any], amount: int | None) -> int:
    disputed = [
        dispute
        for dispute in ctx.store.all("dispute")
        if dispute["charge"] == charge["id"] and dispute["status"] in OPEN_DISPUTE
    ]
    if disputed and not disputed[0]["is_charge_refundable"]:
        raise errors.invalid_request(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
        )
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise errors.invalid_request(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    if amount is not None and amount > remaining:
        currency = charge["currency"]
        raise errors.invalid_request(
            f"Refund amount ({money.format_amount(amount, currency)}) is greater than unrefunded "
            f"amount on charge ({money.format_amount(remaining, currency)})",
            param="amount",
            code="amount_too_large",
        )
    return remaining if amount is None else amount


def new_refund(
    ctx: Context, charge: dict[str, Any], amount: int, params: dict[str, Any], status: str
) -> dict[str, Any]:
    refund = {
        "id": ids.new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": ctx.now(),
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": None,
        "description": None,
        "destination_details": {
            "card": {
                "reference": None if status == "pending" else ids.random_token(23),
                "reference_status": "pending" if status == "pending" else "available",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        },
        "metadata": params.get("metadata") or {},
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }
    # Stripe keeps its processing fee on refunds: fee 0, net = -amount.
    return balance_transactions.book_return(
        ctx,
        refund,
        amount=-amount,
        kind="refund",
        category="refund",
        description=f"REFUND FOR CHARGE ({charge['id']})",
    )


@route("POST", "/v1/refunds", check=check_create)
def create_refund(ctx: Context) -> dict[str, Any]:
    charge = _charge_to_refund(ctx, ctx.params)
    amount = _check_refundable(ctx, charge, ctx.params.get("amount"))
    destinations.check_reversal(charge, ctx.params)
    payment_method = ctx.store.fetch(charge["payment_method"], "payment_method")
    fails = payment_methods.card_of(ctx, payment_method).refunds_fail
    refund = new_refund(ctx, charge, amount, ctx.params, "pending" if fails else "succeeded")
    destinations.reverse_for_refund(ctx, charge, refund, ctx.params)
    previous = balance_transactions.count_return(
        ctx,
        charge,
        refund,
        total="amount_refunded",
        flag="refunded",
        whole=charge["amount_captured"],
    )
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge, previous)
    return refund


def fail_refund(ctx: Context, refund: dict[str, Any]) -> dict[str, Any]:
    """A pending refund fails (the card was closed): the money comes back to the balance."""
    if refund["status"] != "pending":
        raise errors.invalid_request(
            f"Only pending refunds can fail; {refund['id']} is {refund['status']}."
        )
    failure = balance_transactions.for_refund_failure(ctx, refund)
    previous = ctx.changed(
        refund,
        status="failed",
        failure_reason="expired_or_canceled_card",
        failure_balance_transaction=failure["id"],
    )
    charge = ctx.store.fetch(refund["charge"], "charge")
    charge_previous = ctx.changed(
        charge, amount_refunded=charge["amount_refunded"] - refund["amount"], refunded=False
    )
    ctx.emit("refund.failed", refund)
    ctx.emit("refund.updated", refund, previous)
    ctx.emit("charge.refund.updated", refund, previous)
    ctx.emit("charge.updated", charge, charge_previous)
    return refund


@route("GET", "/v1/refunds/{id}")
def retrieve_refund(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "refund")


@route("POST", "/v1/refunds/{id}")
def update_refund(ctx: Context) -> dict[str, Any]:
    refund = ctx.store.fetch(ctx.args["id"], "refund")
    metadata = merge_metadata(refund["metadata"], ctx.params.get("metadata"))
    previous = ctx.changed(refund, metadata=metadata)
    if previous:
        ctx.emit("refund.updated", refund, previous)
        ctx.emit("charge.refund.updated", refund, previous)
    return refund


@route("GET", "/v1/refunds")
def list_refunds(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    rows = [
        refund
        for refund in ctx.store.all("refund")
        if all(params.get(field) in (None, refund[field]) for field in ("charge", "payment_intent"))
    ]
    return paginate(ctx.store, rows, params, "/v1/refunds", "refund")
