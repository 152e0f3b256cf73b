"""Disputes: opened by the `pm_card_createDispute` card or the control endpoint.

Status goes needs_response -> (under_review after evidence is submitted) -> won | lost.
"""

from __future__ import annotations

from typing import Any

from .. import errors, ids
from ..context import Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from ..store import public
from . import balance_transactions

DAY = 86_400
EVIDENCE_FIELDS = [
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
]
OPEN = ("warning_needs_response", "needs_response", "under_review", "warning_under_review")


def open_dispute(ctx: Context, charge: dict[str, Any], reason: str = "fraudulent") -> dict:
    """The cardholder disputes `charge`: the amount and the dispute fee are withdrawn."""
    if charge["status"] != "succeeded" or not charge["captured"]:
        raise errors.invalid_request(
            f"Charge {charge['id']} has not succeeded; nothing to dispute."
        )
    if charge["disputed"]:
        raise errors.invalid_request(f"Charge {charge['id']} is already disputed.")
    dispute = ctx.store.add(_new_dispute(ctx, charge, reason))
    withdrawal = balance_transactions.for_dispute(ctx, dispute)
    dispute["balance_transactions"].append(public(withdrawal))
    charge["disputed"] = True
    ctx.emit("charge.dispute.created", dispute)
    ctx.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def _new_dispute(ctx: Context, charge: dict[str, Any], reason: str) -> dict[str, Any]:
    created = ctx.now()
    card = charge["payment_method_details"]["card"]
    return {
        "id": ids.new_id("dp"),
        "object": "dispute",
        "amount": charge["amount_captured"] - charge["amount_refunded"],
        "balance_transactions": [],
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {**{field: None for field in EVIDENCE_FIELDS}, "enhanced_evidence": {}},
        "evidence_details": {
            "due_by": (created // DAY + 8) * DAY - 1,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "card": {
                "brand": card["brand"],
                "case_type": "chargeback",
                "network": card["network"],
                "network_reason_code": "10.4",
            },
            "type": "card",
        },
        "reason": reason,
        "status": "needs_response",
    }


def close_dispute(ctx: Context, dispute: dict[str, Any], won: bool) -> dict[str, Any]:
    _require_open(dispute)
    previous = ctx.changed(dispute, status="won" if won else "lost")
    ctx.emit("charge.dispute.closed", dispute, previous)
    if won:
        reinstated = balance_transactions.for_dispute_won(ctx, dispute)
        dispute["balance_transactions"].append(public(reinstated))
        ctx.emit("charge.dispute.funds_reinstated", dispute)
    return dispute


def _require_open(dispute: dict[str, Any]) -> None:
    if dispute["status"] not in OPEN:
        raise errors.invalid_request(
            f"This dispute is already closed (status {dispute['status']})."
        )


@route("GET", "/v1/disputes/{id}")
def retrieve_dispute(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "dispute")


@route("POST", "/v1/disputes/{id}")
def update_dispute(ctx: Context) -> dict[str, Any]:
    dispute = ctx.store.fetch(ctx.args["id"], "dispute")
    _require_open(dispute)
    params = ctx.params
    evidence = {**dispute["evidence"], **(params.get("evidence") or {})}
    details = dict(dispute["evidence_details"])
    status = dispute["status"]
    if params.get("evidence"):
        details["has_evidence"] = True
    if params.get("submit"):
        details["submission_count"] += 1
        status = "under_review"
    metadata = merge_metadata(dispute["metadata"], params.get("metadata"))
    previous = ctx.changed(
        dispute, evidence=evidence, evidence_details=details, status=status, metadata=metadata
    )
    if previous:
        ctx.emit("charge.dispute.updated", dispute, previous)
    return dispute


@route("POST", "/v1/disputes/{id}/close")
def accept_dispute(ctx: Context) -> dict[str, Any]:
    """Stripe's "close" accepts the dispute: it is lost."""
    return close_dispute(ctx, ctx.store.fetch(ctx.args["id"], "dispute"), won=False)


@route("GET", "/v1/disputes")
def list_disputes(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    rows = [
        dispute
        for dispute in ctx.store.all("dispute")
        if all(
            params.get(field) in (None, dispute[field]) for field in ("charge", "payment_intent")
        )
    ]
    return paginate(ctx.store, rows, params, "/v1/disputes", "dispute")
