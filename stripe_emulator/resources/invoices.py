"""Invoices of subscriptions: draft -> open -> paid / void / uncollectible, each open invoice
paid through a PaymentIntent (its charge and balance transaction like any payment's).

Retrieve, list, finalize, pay, void, mark_uncollectible and list lines over the API; the
billing engine (`billing.py`) creates, finalises and charges them. An invoice names its
PaymentIntent only through `payments` (`invoice_payments.py`) and `confirmation_secret`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .. import errors, ids
from ..context import Context
from ..expand import includable
from ..listing import list_of, paginate
from ..params import merge_metadata
from ..routing import route
from ..store import Store
from . import attempts, destinations, invoice_payments, payment_intents, payment_methods

# Called with (ctx, invoice, outcome): "paid" or "failed" (the billing engine listens).
LISTENERS: list[Callable[[Context, dict[str, Any], str], None]] = []
FIXED = {
    "account_country": "GB", "account_name": "Stripe Emulator", "account_tax_ids": None,
    "amount_overpaid": 0, "amount_paid": 0, "amount_paid_off_stripe": 0, "amount_shipping": 0,
    "application": None, "attempt_count": 0, "attempted": False, "auto_advance": True,
    "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None,
                      "provider": None, "status": None},
    "automatically_finalizes_at": None, "collection_method": "charge_automatically",
    "custom_fields": None, "customer_account": None, "customer_address": None,
    "customer_phone": None, "customer_shipping": None, "customer_tax_exempt": "none",
    "customer_tax_ids": [], "default_payment_method": None, "default_source": None,
    "default_tax_rates": [], "description": None, "discounts": [], "due_date": None,
    "effective_at": None, "ending_balance": None, "footer": None, "from_invoice": None,
    "invoice_pdf": None, "issuer": {"type": "self"}, "last_finalization_error": None,
    "latest_revision": None, "livemode": False, "next_payment_attempt": None, "number": None,
    "on_behalf_of": None, "payment_settings": {"default_mandate": None,
                                               "payment_method_options": None,
                                               "payment_method_types": None},
    "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0,
    "receipt_number": None, "rendering": None, "shipping_cost": None,
    "shipping_details": None, "starting_balance": 0, "statement_descriptor": None,
    "status": "draft", "status_details": None, "threshold_reason": None,
    "total_discount_amounts": [], "total_pretax_credit_amounts": [], "total_taxes": [],
    "webhooks_delivered_at": None,
}  # fmt: skip


def new_invoice(
    ctx: Context, subscription: dict[str, Any], reason: str, period: tuple[int, int],
    lines: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """A draft invoice of `subscription` (emits invoice.created). `lines`: (item, amount, period)
    as built by `line`; `period`: the invoice's own period_start/period_end."""
    invoice_id = ids.new_id("in")
    invoice = _draft(ctx, subscription, reason, period, lines, invoice_id)
    ctx.store.add(invoice)
    ctx.emit("invoice.created", invoice)
    return invoice


def upcoming(
    ctx: Context, subscription: dict[str, Any], period: tuple[int, int],
    lines: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """The invoice a renewal at `period[0]` will make, as `invoice.upcoming` carries it: not
    stored, and without an id (Stripe: "the received Invoice object will not have an invoice
    ID")."""
    invoice = _draft(ctx, subscription, "upcoming", period, lines, None)
    del invoice["id"]
    invoice.update(created=period[0], hosted_invoice_url=None, next_payment_attempt=period[0])
    return invoice


def _draft(
    ctx: Context, subscription: dict[str, Any], reason: str, period: tuple[int, int],
    lines: list[dict[str, Any]], invoice_id: str | None,
) -> dict[str, Any]:  # fmt: skip
    customer = ctx.store.fetch(subscription["customer"], "customer")
    total = sum(row["amount"] for row in lines)
    destination = (subscription.get("transfer_data") or {}).get("destination")
    for row in lines:
        row["invoice"] = invoice_id
    return {
        "id": invoice_id, "object": "invoice", **copy.deepcopy(FIXED),
        "amount_due": total, "amount_remaining": total, "billing_reason": reason,
        # A subscription's Connect terms, on each invoice and so on its PaymentIntent.
        "application_fee_amount": destinations.fee_of_percent(
            total, subscription.get("application_fee_percent")),
        "transfer_data": {"amount": None, "destination": destination} if destination else None,
        "created": ctx.now(), "currency": subscription["currency"],
        "customer": customer["id"], "customer_email": customer.get("email"),
        "customer_name": customer.get("name"),
        "hosted_invoice_url": f"{ctx.base_url}/invoices/{invoice_id}",
        "lines": list_of(lines, f"/v1/invoices/{invoice_id}/lines"),
        "metadata": {},
        "parent": {"quote_details": None, "type": "subscription_details",
                   "subscription_details": {"metadata": dict(subscription["metadata"]),
                                            "subscription": subscription["id"],
                                            "subscription_proration_date": None}},
        "period_end": period[1], "period_start": period[0],
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None,
                               "paid_at": None, "voided_at": None},
        "subtotal": total, "subtotal_excluding_tax": total,
        "test_clock": customer.get("test_clock"), "total": total, "total_excluding_tax": total,
    }  # fmt: skip


def line(subscription: dict[str, Any], item: dict[str, Any], start: int, end: int) -> dict:
    """One invoice line for a subscription item over [start, end)."""
    price = item["price"]
    amount = price["unit_amount"] * item["quantity"]
    return {
        "id": ids.new_id("il"), "object": "line_item", "amount": amount,
        "currency": price["currency"], "description": f"{item['quantity']} × (at "
        f"{price['unit_amount']} {price['currency'].upper()} / {price['recurring']['interval']})",
        "discount_amounts": [], "discountable": True, "discounts": [], "invoice": None,
        "livemode": False, "metadata": dict(subscription["metadata"]),
        "parent": {"invoice_item_details": None, "type": "subscription_item_details",
                   "subscription_item_details": {
                       "invoice_item": None, "proration": False, "proration_details": {
                           "credited_items": None}, "subscription": subscription["id"],
                       "subscription_item": item["id"]}},
        "period": {"end": end, "start": start}, "pretax_credit_amounts": [],
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]},
                    "type": "price_details", "unit_amount_decimal": str(price["unit_amount"])},
        "quantity": item["quantity"], "quantity_decimal": str(item["quantity"]),
        "subscription": subscription["id"], "subtotal": amount, "taxes": [],
    }  # fmt: skip


def finalize(ctx: Context, invoice: dict[str, Any]) -> dict[str, Any]:
    """draft -> open with a number and (for a positive amount) its PaymentIntent."""
    if invoice["status"] != "draft":
        raise _unexpected(invoice, "finalize", "draft")
    customer = ctx.store.fetch(invoice["customer"], "customer")
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    now = ctx.now()
    invoice.update(status="open", number=f"{customer['invoice_prefix']}-{sequence:04d}",
                   effective_at=now, auto_advance=invoice["amount_due"] > 0)  # fmt: skip
    invoice["status_transitions"]["finalized_at"] = now
    if invoice["amount_due"] > 0:
        _new_payment(ctx, invoice)
    ctx.emit("invoice.finalized", invoice)
    if invoice["amount_due"] == 0:
        _mark_paid(ctx, invoice)
    return invoice


def _new_payment(ctx: Context, invoice: dict[str, Any]) -> None:
    intent = payment_intents.new_payment_intent(
        ctx, amount=invoice["amount_due"], currency=invoice["currency"],
        customer=invoice["customer"], allowed_payment_method_types=["card"],
        description=_description(invoice["billing_reason"]), setup_future_usage="off_session",
        application_fee_amount=invoice["application_fee_amount"] if invoice["transfer_data"]
        else None,
        transfer_data={"destination": invoice["transfer_data"]["destination"]}
        if invoice["transfer_data"] else None,
    )  # fmt: skip
    ctx.store.meta(intent["id"])["invoice"] = invoice["id"]
    payment = {
        "id": ids.new_id("inpay"), "object": "invoice_payment", "amount_paid": None,
        "amount_requested": invoice["amount_due"], "created": ctx.now(),
        "currency": invoice["currency"], "invoice": invoice["id"], "is_default": True,
        "livemode": False, "payment": {"charge": None, "payment_intent": intent["id"],
                                       "payment_record": None, "type": "payment_intent"},
        "status": "open", "status_transitions": {"canceled_at": None, "paid_at": None},
    }  # fmt: skip
    ctx.store.add(payment)
    ctx.store.meta(invoice["id"])["payment_intent"] = intent["id"]


def _description(reason: str) -> str:
    return {"subscription_create": "Subscription creation",
            "subscription_cycle": "Subscription update"}.get(reason, "Invoice")  # fmt: skip


def payment_intent_of(ctx: Context, invoice: dict[str, Any]) -> dict[str, Any] | None:
    return ctx.store.get(ctx.store.meta(invoice["id"]).get("payment_intent") or "")


def charge(
    ctx: Context,
    invoice: dict[str, Any],
    payment_method_id: str | None,
    *,
    off_session: bool,
    authenticated: bool = False,
    automatic: bool = False,
) -> errors.StripeError | None:
    """One attempt to collect an open invoice with a payment method; the card error if any.

    `automatic`: Stripe Billing collects on its own (a renewal, a retry). A card that needs
    3-D Secure then leaves the PaymentIntent `requires_action`, and Stripe sends
    invoice.payment_action_required and invoice.payment_failed (the attempt counts: the
    subscription goes past_due, retries are scheduled) until the customer authenticates."""
    intent = payment_intent_of(ctx, invoice)
    if invoice["status"] != "open" or intent is None:
        raise _unexpected(invoice, "pay", "open")
    if payment_method_id is None:
        _attempt_failed(ctx, invoice)
        return errors.invalid_request(
            "This customer has no attached payment source or default payment method. Please "
            "consider adding a default payment method.",
            param="payment_method",
        )
    payment_method = payment_methods.resolve(ctx, payment_method_id)
    if intent["status"] not in payment_intents.CONFIRMABLE:
        raise _unexpected(invoice, "pay", "open")
    needs_customer = (
        automatic
        and payment_methods.card_of(ctx, payment_method).requires_authentication
        and not authenticated
    )
    error = attempts.confirm(
        ctx,
        intent,
        payment_method,
        off_session=off_session and not needs_customer,
        authenticated=authenticated,
    )
    if error is None and intent["status"] == "requires_action":
        ctx.emit("invoice.payment_action_required", invoice)
        if needs_customer:
            _attempt_failed(ctx, invoice)
    return error


def _on_payment(ctx: Context, intent: dict[str, Any], outcome: str) -> None:
    """An invoice's PaymentIntent succeeded or failed, by whatever path it was confirmed."""
    invoice = ctx.store.get(ctx.store.meta(intent["id"]).get("invoice") or "")
    if invoice is None or invoice["status"] != "open":
        return
    if outcome == "succeeded":
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        _mark_paid(ctx, invoice, intent)
    else:
        _attempt_failed(ctx, invoice)


attempts.LISTENERS.append(_on_payment)


def _attempt_failed(ctx: Context, invoice: dict[str, Any]) -> None:
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    for listener in LISTENERS:  # the engine schedules the next attempt first
        listener(ctx, invoice, "failed")
    ctx.emit("invoice.payment_failed", invoice)
    for listener in LISTENERS:
        listener(ctx, invoice, "failed_after")


def _mark_paid(ctx: Context, invoice: dict[str, Any], intent: dict | None = None) -> None:
    now = ctx.now()
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0,
                   next_payment_attempt=None, auto_advance=False)  # fmt: skip
    invoice["status_transitions"]["paid_at"] = now
    if intent is not None:
        payment = invoice_payments.payment_of(ctx.store, invoice)
        payment.update(status="paid", amount_paid=intent["amount_received"])
        payment["status_transitions"]["paid_at"] = now
        payment["payment"]["charge"] = intent["latest_charge"]
        ctx.emit("invoice_payment.paid", payment)
    ctx.emit("invoice.paid", invoice)
    ctx.emit("invoice.payment_succeeded", invoice)
    for listener in LISTENERS:
        listener(ctx, invoice, "paid")


def void(ctx: Context, invoice: dict[str, Any]) -> dict[str, Any]:
    if invoice["status"] not in ("open", "uncollectible"):
        raise _unexpected(invoice, "void", "open or uncollectible")
    intent = payment_intent_of(ctx, invoice)
    if intent is not None and intent["status"] in payment_intents.CANCELABLE:
        payment_intents.cancel(ctx, intent, "void_invoice")
    invoice.update(status="void", amount_remaining=0, next_payment_attempt=None,
                   auto_advance=False)  # fmt: skip
    invoice["status_transitions"]["voided_at"] = ctx.now()
    ctx.emit("invoice.voided", invoice)
    return invoice


def mark_uncollectible(ctx: Context, invoice: dict[str, Any]) -> dict[str, Any]:
    if invoice["status"] != "open":
        raise _unexpected(invoice, "mark uncollectible", "open")
    invoice.update(status="uncollectible", next_payment_attempt=None, auto_advance=False)
    invoice["status_transitions"]["marked_uncollectible_at"] = ctx.now()
    ctx.emit("invoice.marked_uncollectible", invoice)
    return invoice


def _unexpected(invoice: dict[str, Any], action: str, allowed: str) -> errors.StripeError:
    return errors.invalid_request(
        f"You can only {action} an invoice whose status is {allowed}; this invoice's status is "
        f"{invoice['status']}.",
        code="invoice_not_editable" if action == "finalize" else None,
    )


@includable("invoice", "confirmation_secret")
def _confirmation_secret(store: Store, invoice: dict[str, Any]) -> dict[str, Any] | None:
    intent = store.get(store.meta(invoice["id"]).get("payment_intent") or "")
    if intent is None or invoice["status"] != "open":
        return None
    return {"client_secret": intent["client_secret"], "type": "payment_intent"}


def _invoice(ctx: Context) -> dict[str, Any]:
    invoice = ctx.store.fetch(ctx.args["id"], "invoice")
    ctx.use_clock_of(ctx.store.get(invoice["customer"]))
    return invoice


@route("GET", "/v1/invoices/{id}")
def retrieve_invoice(ctx: Context) -> dict[str, Any]:
    return _invoice(ctx)


@route("POST", "/v1/invoices/{id}")
def update_invoice(ctx: Context) -> dict[str, Any]:
    invoice = _invoice(ctx)
    previous = ctx.changed(
        invoice, metadata=merge_metadata(invoice["metadata"], ctx.params.get("metadata"))
    )
    if "description" in ctx.params:
        previous.update(ctx.changed(invoice, description=ctx.params["description"]))
    if previous:
        ctx.emit("invoice.updated", invoice, previous)
    return invoice


@route("POST", "/v1/invoices/{id}/finalize")
def finalize_invoice(ctx: Context) -> dict[str, Any]:
    return finalize(ctx, _invoice(ctx))


@route("POST", "/v1/invoices/{id}/pay")
def pay_invoice(ctx: Context) -> dict[str, Any]:
    invoice = _invoice(ctx)
    if invoice["status"] == "draft":
        finalize(ctx, invoice)
    if invoice["status"] == "paid":
        raise errors.invalid_request("Invoice is already paid.")
    reference = ctx.params.get("payment_method") or default_payment_method(ctx, invoice)
    error = charge(ctx, invoice, reference, off_session=ctx.params.get("off_session", True))
    if error is not None:
        raise error
    return invoice


def default_payment_method(ctx: Context, invoice: dict[str, Any]) -> str | None:
    """The invoice's, else its subscription's, else the customer's default payment method."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = ctx.store.get(details.get("subscription") or "") or {}
    customer = ctx.store.get(invoice["customer"]) or {}
    return (invoice["default_payment_method"] or subscription.get("default_payment_method")
            or (customer.get("invoice_settings") or {}).get("default_payment_method"))  # fmt: skip


@route("POST", "/v1/invoices/{id}/void")
def void_invoice(ctx: Context) -> dict[str, Any]:
    return void(ctx, _invoice(ctx))


@route("POST", "/v1/invoices/{id}/mark_uncollectible")
def mark_uncollectible_invoice(ctx: Context) -> dict[str, Any]:
    return mark_uncollectible(ctx, _invoice(ctx))


@route("GET", "/v1/invoices/{id}/lines")
def list_invoice_lines(ctx: Context) -> dict[str, Any]:
    invoice = _invoice(ctx)
    rows = invoice["lines"]["data"]
    limit = ctx.params.get("limit") or 10
    return {"object": "list", "data": rows[:limit], "has_more": len(rows) > limit,
            "url": f"/v1/invoices/{invoice['id']}/lines"}  # fmt: skip


@route("GET", "/v1/invoices")
def list_invoices(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    rows = [
        invoice
        for invoice in ctx.store.all("invoice")
        if all(params.get(key) in (None, invoice[key]) for key in ("customer", "status"))
        and params.get("subscription") in (None, subscription_of(invoice))
    ]
    return paginate(ctx.store, rows, params, "/v1/invoices", "invoice")


def subscription_of(invoice: dict[str, Any]) -> str | None:
    return ((invoice.get("parent") or {}).get("subscription_details") or {}).get("subscription")
