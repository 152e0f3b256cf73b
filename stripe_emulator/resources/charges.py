"""Charges: created by PaymentIntents, never directly. Retrieve, update, list."""

from __future__ import annotations

import copy
from typing import Any

from .. import cards, ids
from ..context import Context
from ..expand import includable
from ..listing import list_of, paginate
from ..routing import route
from ..store import Store, stripe_order
from . import balance_transactions, destinations

# What a charge update changes besides metadata.
UPDATABLE = ("description", "receipt_email", "shipping", "fraud_details", "transfer_group")


# Copied from the PaymentIntent onto each of its charges.
FROM_INTENT = (
    "amount", "application_fee_amount", "currency", "customer", "description", "metadata",
    "on_behalf_of", "receipt_email", "shipping", "statement_descriptor",
    "statement_descriptor_suffix", "transfer_data", "transfer_group",
)  # fmt: skip
FIXED = {
    "amount_captured": 0, "amount_refunded": 0, "application": None, "application_fee": None,
    "balance_transaction": None, "captured": False, "disputed": False,
    "failure_balance_transaction": None, "failure_code": None, "failure_message": None,
    "fraud_details": {}, "livemode": False, "paid": False, "radar_options": {},
    "receipt_number": None, "refunded": False, "review": None, "source": None,
    "source_transfer": None,
}  # fmt: skip


def new_charge(
    ctx: Context, intent: dict[str, Any], payment_method: dict[str, Any], *, status: str
) -> dict[str, Any]:
    charge_id = ids.new_id("ch")
    descriptor = intent["statement_descriptor"] or "STRIPE EMULATOR"
    charge = {
        "id": charge_id,
        "object": "charge",
        **copy.deepcopy(FIXED),
        **{field: copy.deepcopy(intent[field]) for field in FROM_INTENT},
        "billing_details": copy.deepcopy(payment_method["billing_details"]),
        "calculated_statement_descriptor": descriptor[:22].upper(),
        "created": ctx.now(),
        "outcome": _outcome(None),
        "payment_intent": intent["id"],
        "payment_method": payment_method["id"],
        "payment_method_details": _card_details(intent, payment_method),
        "receipt_url": f"{ctx.base_url}/receipts/payment/{charge_id}",
        "status": status,
    }
    return ctx.store.add(stripe_order(charge))


def _card_details(intent: dict[str, Any], payment_method: dict[str, Any]) -> dict[str, Any]:
    card = payment_method["card"]
    return {
        "card": {
            "amount_authorized": intent["amount"],
            "authorization_code": ids.random_token(6).upper(),
            "brand": card["brand"],
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "pass",
            },
            "country": card["country"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": card["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": card["brand"],
            "network_token": {"used": False},
            "network_transaction_id": ids.random_token(15),
            "overcapture": {"maximum_amount_capturable": intent["amount"], "status": "unavailable"},
            "regulated_status": "unregulated",
            "three_d_secure": None,
            "transaction_link_id": None,
            "wallet": None,
        },
        "type": "card",
    }


def _outcome(decline_code: str | None) -> dict[str, Any]:
    outcome = {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "approved_by_network",
        "reason": None,
        "risk_level": "normal",
        "risk_score": 32,
        "seller_message": "Payment complete.",
        "type": "authorized",
    }
    if decline_code:
        generic = decline_code == "generic_decline"
        outcome.update(
            network_status="declined_by_network",
            reason=decline_code,
            seller_message="The bank did not return any further details with this decline."
            if generic
            else f"The bank returned the decline code `{decline_code}`.",
            type="issuer_declined",
        )
    return outcome


def mark_succeeded(ctx: Context, charge: dict[str, Any], *, capture: bool) -> dict[str, Any]:
    charge.update(status="succeeded", paid=True, outcome=_outcome(None))
    if capture:
        capture_amount(ctx, charge, charge["amount"])
    ctx.emit("charge.succeeded", charge)
    return charge


def capture_amount(ctx: Context, charge: dict[str, Any], amount: int) -> None:
    transaction = balance_transactions.for_charge(ctx, charge, amount)
    charge.update(captured=True, amount_captured=amount, balance_transaction=transaction["id"])
    destinations.pay_destination(ctx, charge)


def mark_failed(
    ctx: Context, charge: dict[str, Any], decline_code: str, error_code: str
) -> dict[str, Any]:
    charge.update(
        status="failed",
        paid=False,
        failure_code=error_code,
        failure_message=cards.decline_message(decline_code),
        outcome=_outcome(decline_code),
    )
    ctx.emit("charge.failed", charge)
    return charge


def mark_pending(ctx: Context, charge: dict[str, Any]) -> dict[str, Any]:
    charge.update(status="pending", outcome=_outcome(None))
    charge["outcome"].update(seller_message="Payment is processing.", network_status=None)
    ctx.emit("charge.pending", charge)
    return charge


def release_authorization(ctx: Context, charge: dict[str, Any]) -> None:
    """Canceling an uncaptured payment releases it: Stripe reports the charge as refunded."""
    previous = ctx.changed(charge, amount_refunded=charge["amount"], refunded=True)
    ctx.emit("charge.refunded", charge, previous)


@includable("charge", "refunds")
def _refunds(store: Store, charge: dict[str, Any]) -> dict[str, Any]:
    rows = [refund for refund in store.all("refund") if refund["charge"] == charge["id"]]
    rows.sort(key=store.sort_key, reverse=True)
    return list_of(rows, f"/v1/charges/{charge['id']}/refunds")


@route("GET", "/v1/charges/{id}")
def retrieve_charge(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "charge")


@route("POST", "/v1/charges/{id}")
def update_charge(ctx: Context) -> dict[str, Any]:
    charge = ctx.store.fetch(ctx.args["id"], "charge")
    if previous := ctx.updated(charge, UPDATABLE):
        ctx.emit("charge.updated", charge, previous)
    return charge


@route("GET", "/v1/charges")
def list_charges(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    fields = ("payment_intent", "customer", "transfer_group")
    rows = [
        charge
        for charge in ctx.store.all("charge")
        if all(params.get(field) in (None, charge[field]) for field in fields)
    ]
    return paginate(ctx.store, rows, params, "/v1/charges", "charge")
