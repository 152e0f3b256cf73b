"""PaymentIntents: create (optionally confirming), retrieve, update, confirm, capture, cancel."""

from __future__ import annotations

import copy
from typing import Any

from .. import errors, ids, money, rules
from ..context import Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from ..store import stripe_order
from . import attempts, charges, destinations, payment_methods
from .shapes import owner_mismatch

CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation",
              "requires_action", "processing")  # fmt: skip
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


def check_create(params: dict[str, Any]) -> None:
    money.check_currency(params["currency"])
    money.check_amount(params["amount"], params["currency"])
    if not params.get("confirm"):
        for name in ("off_session", "return_url", "error_on_requires_action"):
            if params.get(name) is not None:
                raise errors.invalid_request(
                    f"You can only pass `{name}` when `confirm=true`.", param=name
                )
    if params.get("confirm"):
        rules.check_return_url(_automatic(params), params.get("return_url"))


# Taken as given at creation (None when absent).
FROM_PARAMS = (
    "application_fee_amount", "customer", "description", "excluded_payment_method_types",
    "on_behalf_of", "receipt_email", "setup_future_usage", "shipping", "statement_descriptor",
    "statement_descriptor_suffix", "transfer_data", "transfer_group",
)  # fmt: skip
FIXED = {
    "amount_capturable": 0, "amount_details": {"tip": {}}, "amount_received": 0,
    "application": None, "canceled_at": None, "cancellation_reason": None,
    "customer_account": None, "last_payment_error": None, "latest_charge": None,
    "livemode": False, "managed_payments": None, "next_action": None, "payment_method": None,
    "payment_method_configuration_details": None, "processing": None, "review": None,
    "source": None, "status": "requires_payment_method",
    "payment_method_options": {"card": {"installments": None, "mandate_options": None,
                                        "network": None, "request_three_d_secure": "automatic"}},
}  # fmt: skip


def new_payment_intent(ctx: Context, *, amount: int, currency: str, **fields: Any) -> dict:
    """A PaymentIntent in requires_payment_method (emits payment_intent.created)."""
    intent_id = ids.new_id("pi")
    # `allowed_payment_method_types` filters to what can work here: cards, in the emulator.
    allowed = fields.get("allowed_payment_method_types")
    types = (["card"] if "card" in allowed else list(allowed)) if allowed else None
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        **copy.deepcopy(FIXED),
        **{field: fields.get(field) for field in FROM_PARAMS},
        "amount": amount,
        "automatic_payment_methods": None if types else _automatic(fields),
        "capture_method": fields.get("capture_method") or "automatic_async",
        "client_secret": ids.client_secret(intent_id),
        "confirmation_method": fields.get("confirmation_method") or "automatic",
        "created": ctx.now(),
        "currency": currency,
        "metadata": fields.get("metadata") or {},
        "payment_method_types": types or ["card"],
    }
    intent = ctx.store.add(stripe_order(intent))
    ctx.emit("payment_intent.created", intent)
    return intent


def _automatic(fields: dict[str, Any]) -> dict[str, Any] | None:
    """Dynamic payment methods are on unless disabled or `allowed_payment_method_types` given."""
    if fields.get("allowed_payment_method_types"):
        return None
    requested = fields.get("automatic_payment_methods") or {"enabled": True}
    if not requested.get("enabled"):
        return None
    return {"allow_redirects": requested.get("allow_redirects") or "always", "enabled": True}


def _payment_method_for(ctx: Context, intent_customer: str | None, reference: str) -> dict:
    payment_method = payment_methods.resolve(ctx, reference)
    if owner_mismatch(payment_method, intent_customer):
        raise errors.invalid_request(
            f"The PaymentMethod {payment_method['id']} is attached to Customer "
            f"{payment_method['customer']}; pass that customer on the PaymentIntent to use it.",
            param="payment_method",
        )
    return payment_method


@route("POST", "/v1/payment_intents", check=check_create)
def create_payment_intent(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    if params.get("customer"):
        ctx.store.fetch(params["customer"], "customer", param="customer")
    destinations.check_destination(ctx, params, params["amount"])
    payment_method = None
    if params.get("payment_method"):
        payment_method = _payment_method_for(ctx, params.get("customer"), params["payment_method"])
    fields = {key: value for key, value in params.items() if key != "payment_method"}
    intent = new_payment_intent(ctx, **fields)
    ctx.store.meta(intent["id"])["error_on_requires_action"] = params.get(
        "error_on_requires_action"
    )
    if payment_method is not None:
        intent.update(payment_method=payment_method["id"], status="requires_confirmation")
    if params.get("confirm"):
        return _confirm(ctx, intent, payment_method, bool(params.get("off_session")))
    return intent


def _confirm(
    ctx: Context, intent: dict, payment_method: dict | None, off_session: bool
) -> dict[str, Any]:
    if payment_method is None:
        raise errors.unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. "
            "Update it with a payment_method, or pass one when confirming.",
            code="payment_intent_unexpected_state",
            param="payment_method",
        )
    error = attempts.confirm(ctx, intent, payment_method, off_session=off_session)
    if error is not None:
        raise error
    attempts.after_success(ctx, intent)
    return intent


@route("GET", "/v1/payment_intents/{id}")
def retrieve_payment_intent(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "payment_intent")


@route("POST", "/v1/payment_intents/{id}")
def update_payment_intent(ctx: Context) -> dict[str, Any]:
    intent = ctx.store.fetch(ctx.args["id"], "payment_intent")
    params = dict(ctx.params)
    money_fields = {"amount", "currency", "payment_method", "customer", "capture_method"}
    if money_fields & params.keys() and intent["status"] not in CONFIRMABLE:
        raise attempts.unexpected(intent, "update", CONFIRMABLE)
    currency = params.get("currency") or intent["currency"]
    money.check_currency(currency)
    money.check_amount(params.get("amount") or intent["amount"], currency)
    if params.get("customer"):
        ctx.store.fetch(params["customer"], "customer", param="customer")
    if params.get("payment_method"):
        customer = params.get("customer", intent["customer"])
        payment_method = _payment_method_for(ctx, customer, params["payment_method"])
        params.update(payment_method=payment_method["id"], status="requires_confirmation")
    params["metadata"] = merge_metadata(intent["metadata"], params.get("metadata"))
    intent.update({key: value for key, value in params.items() if key in intent})
    return intent


@route("POST", "/v1/payment_intents/{id}/confirm")
def confirm_payment_intent(ctx: Context) -> dict[str, Any]:
    intent = ctx.store.fetch(ctx.args["id"], "payment_intent")
    ctx.use_clock_of(ctx.store.get(intent["customer"] or ""))  # a test clock's customer
    params = ctx.params
    if intent["status"] not in CONFIRMABLE:
        raise attempts.unexpected(intent, "confirm", CONFIRMABLE)
    rules.check_return_url(intent["automatic_payment_methods"], params.get("return_url"))
    reference = params.get("payment_method") or intent["payment_method"]
    payment_method = _payment_method_for(ctx, intent["customer"], reference) if reference else None
    for field in ("receipt_email", "setup_future_usage", "capture_method", "shipping"):
        if params.get(field) is not None:
            intent[field] = params[field]
    if params.get("error_on_requires_action") is not None:
        ctx.store.meta(intent["id"])["error_on_requires_action"] = params[
            "error_on_requires_action"
        ]
    return _confirm(ctx, intent, payment_method, bool(params.get("off_session")))


@route("POST", "/v1/payment_intents/{id}/capture")
def capture_payment_intent(ctx: Context) -> dict[str, Any]:
    intent = ctx.store.fetch(ctx.args["id"], "payment_intent")
    if intent["status"] != "requires_capture":
        raise attempts.unexpected(intent, "capture", ("requires_capture",))
    amount = ctx.params.get("amount_to_capture") or intent["amount_capturable"]
    if amount > intent["amount_capturable"]:
        raise errors.invalid_request(
            f"The amount to capture ({amount}) is greater than the amount capturable "
            f"({intent['amount_capturable']}).",
            param="amount_to_capture",
            code="amount_too_large",
        )
    charge = ctx.store.fetch(intent["latest_charge"], "charge")
    charges.capture_amount(ctx, charge, amount)
    ctx.emit("charge.captured", charge)
    intent["metadata"] = merge_metadata(intent["metadata"], ctx.params.get("metadata"))
    intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
    ctx.emit("payment_intent.succeeded", intent)
    return intent


@route("POST", "/v1/payment_intents/{id}/cancel")
def cancel_payment_intent(ctx: Context) -> dict[str, Any]:
    intent = ctx.store.fetch(ctx.args["id"], "payment_intent")
    session = ctx.store.get(ctx.store.meta(intent["id"]).get("checkout_session") or "")
    if session is not None and session["status"] == "open":
        raise errors.unexpected_state(
            "You cannot cancel this PaymentIntent because it was created by Checkout. To cancel "
            "it, expire the Checkout Session instead.",
            code="payment_intent_unexpected_state",
        )
    return cancel(ctx, intent, ctx.params.get("cancellation_reason"))


def cancel(ctx: Context, intent: dict[str, Any], reason: str | None) -> dict[str, Any]:
    if intent["status"] not in CANCELABLE:
        raise attempts.unexpected(intent, "cancel", CANCELABLE)
    if intent["status"] == "requires_capture":
        charges.release_authorization(ctx, ctx.store.fetch(intent["latest_charge"], "charge"))
    intent.update(
        status="canceled",
        canceled_at=ctx.now(),
        cancellation_reason=reason,
        amount_capturable=0,
        next_action=None,
    )
    ctx.emit("payment_intent.canceled", intent)
    return intent


@route("GET", "/v1/payment_intents")
def list_payment_intents(ctx: Context) -> dict[str, Any]:
    customer = ctx.params.get("customer")
    rows = [
        intent
        for intent in ctx.store.all("payment_intent")
        if customer is None or intent["customer"] == customer
    ]
    return paginate(ctx.store, rows, ctx.params, "/v1/payment_intents", "payment_intent")
