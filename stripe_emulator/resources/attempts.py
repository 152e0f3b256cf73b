"""Payment attempts: what confirming a PaymentIntent with a test card does.

Shared by the PaymentIntents API, Checkout and the control endpoints. Declines leave their
traces (failed charge, events) and are *returned* as the card error, so each caller decides
whether to raise it (the API answers 402) or show it (the hosted page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import cards, errors, ids
from ..context import Context
from ..errors import StripeError
from ..store import public
from . import charges, disputes, payment_methods

# Called with (ctx, intent, outcome) after an attempt settles: "succeeded" or "failed". Invoices
# listen, so an invoice's PaymentIntent paid through any path pays the invoice.
Listener = Callable[[Context, dict[str, Any], str], None]
LISTENERS: list[Listener] = []


def notify(ctx: Context, intent: dict[str, Any], outcome: str) -> None:
    for listener in LISTENERS:
        listener(ctx, intent, outcome)


AUTHENTICATION_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)


def confirm(
    ctx: Context,
    intent: dict[str, Any],
    payment_method: dict[str, Any],
    *,
    off_session: bool = False,
    authenticated: bool = False,
    delayed: bool = False,
) -> StripeError | None:
    """One attempt to pay `intent` with `payment_method`; returns the card error if declined."""
    card = payment_methods.card_of(ctx, payment_method)
    intent.update(payment_method=payment_method["id"], last_payment_error=None, next_action=None)
    if card.requires_authentication and not authenticated:
        if off_session or ctx.store.meta(intent["id"]).get("error_on_requires_action"):
            return decline(ctx, intent, payment_method, "authentication_required",
                           "authentication_required")  # fmt: skip
        _require_action(ctx, intent)
        return None
    decline_code = card.decline_for_charge()
    if decline_code:
        return decline(ctx, intent, payment_method, decline_code, card.error_code)
    charge = charges.new_charge(ctx, intent, payment_method, status="pending")
    intent["latest_charge"] = charge["id"]
    if authenticated and card.requires_authentication:
        charge["payment_method_details"]["card"]["three_d_secure"] = _three_d_secure()
    if delayed:
        charges.mark_pending(ctx, charge)
        intent["status"] = "processing"
        ctx.emit("payment_intent.processing", intent)
        return None
    _succeed(ctx, intent, payment_method, charge)
    return None


def _succeed(
    ctx: Context, intent: dict[str, Any], payment_method: dict[str, Any], charge: dict[str, Any]
) -> None:
    manual = intent["capture_method"] == "manual"
    charges.mark_succeeded(ctx, charge, capture=not manual)
    _save_for_future(ctx, intent, payment_method)
    if manual:
        intent.update(status="requires_capture", amount_capturable=intent["amount"])
        ctx.emit("payment_intent.amount_capturable_updated", intent)
    else:
        intent.update(status="succeeded", amount_received=intent["amount"])
        ctx.emit("payment_intent.succeeded", intent)
        notify(ctx, intent, "succeeded")


def _save_for_future(ctx: Context, intent: dict[str, Any], payment_method: dict[str, Any]) -> None:
    if intent["setup_future_usage"] and intent["customer"] and not payment_method["customer"]:
        payment_methods.attach(ctx, payment_method, intent["customer"])


def decline(
    ctx: Context,
    intent: dict[str, Any],
    payment_method: dict[str, Any],
    decline_code: str,
    error_code: str,
) -> StripeError:
    """A failed charge; the intent goes back to requires_payment_method with the error."""
    charge = charges.new_charge(ctx, intent, payment_method, status="failed")
    charges.mark_failed(ctx, charge, decline_code, error_code)
    error = cards.decline_error(decline_code, error_code)
    last_error = error.body()["error"]
    last_error.update(charge=charge["id"], payment_method=public(payment_method))
    intent.update(
        status="requires_payment_method",
        latest_charge=charge["id"],
        last_payment_error=last_error,
        payment_method=None,
        next_action=None,
    )
    ctx.emit("payment_intent.payment_failed", intent)
    notify(ctx, intent, "failed")
    error.extra.update(charge=charge["id"], payment_method=public(payment_method))
    error.extra["payment_intent"] = public(intent)
    return error


def _require_action(ctx: Context, intent: dict[str, Any]) -> None:
    intent["status"] = "requires_action"
    intent["next_action"] = {
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {
            "source": ids.new_id("src"),
            "stripe_js": f"{ctx.base_url}/_emulator/payment_intents/{intent['id']}/authenticate",
            "type": "three_d_secure_redirect",
        },
    }
    ctx.emit("payment_intent.requires_action", intent)


def _three_d_secure() -> dict[str, Any]:
    return {
        "authentication_flow": "challenge",
        "electronic_commerce_indicator": "05",
        "exemption_indicator": None,
        "result": "authenticated",
        "result_reason": None,
        "transaction_id": ids.random_token(32),
        "version": "2.2.0",
    }


def authenticate(ctx: Context, intent: dict[str, Any], succeed: bool) -> StripeError | None:
    """The customer completes (or fails) 3-D Secure for a requires_action intent."""
    if intent["status"] != "requires_action":
        raise unexpected(intent, "authenticate", ("requires_action",))
    payment_method = ctx.store.fetch(intent["payment_method"], "payment_method")
    if succeed:
        return confirm(ctx, intent, payment_method, authenticated=True)
    intent.update(
        status="requires_payment_method",
        payment_method=None,
        next_action=None,
        last_payment_error={
            "code": "payment_intent_authentication_failure",
            "doc_url": errors.DOCS + "payment-intent-authentication-failure",
            "message": AUTHENTICATION_FAILED,
            "payment_method": public(payment_method),
            "type": "invalid_request_error",
        },
    )
    ctx.emit("payment_intent.payment_failed", intent)
    return None


def settle(ctx: Context, intent: dict[str, Any], succeed: bool) -> None:
    """A processing (delayed) payment clears or fails."""
    if intent["status"] != "processing":
        raise unexpected(intent, "settle", ("processing",))
    charge = ctx.store.fetch(intent["latest_charge"], "charge")
    payment_method = ctx.store.fetch(charge["payment_method"], "payment_method")
    if succeed:
        _succeed(ctx, intent, payment_method, charge)
        return
    charges.mark_failed(ctx, charge, "generic_decline", "card_declined")
    last_error = cards.decline_error("generic_decline").body()["error"]
    last_error.update(charge=charge["id"], payment_method=public(payment_method))
    intent.update(status="requires_payment_method", payment_method=None,
                  last_payment_error=last_error)  # fmt: skip
    ctx.emit("payment_intent.payment_failed", intent)


def after_success(ctx: Context, intent: dict[str, Any]) -> None:
    """Follow-ups Stripe's test cards trigger once a payment went through (a dispute)."""
    if intent["status"] != "succeeded" or not intent["latest_charge"]:
        return
    charge = ctx.store.fetch(intent["latest_charge"], "charge")
    payment_method = ctx.store.fetch(charge["payment_method"], "payment_method")
    if payment_methods.card_of(ctx, payment_method).disputes and not charge["disputed"]:
        disputes.open_dispute(ctx, charge)


PARTICIPLES = {
    "cancel": "canceled",
    "confirm": "confirmed",
    "capture": "captured",
    "update": "updated",
    "authenticate": "authenticated",
    "settle": "settled",
}


def unexpected(intent: dict[str, Any], action: str, allowed: tuple[str, ...]) -> StripeError:
    return errors.unexpected_state(
        f"You cannot {action} this PaymentIntent because it has a status of {intent['status']}. "
        "Only a PaymentIntent with one of the following statuses may be "
        f"{PARTICIPLES.get(action, action)}: {', '.join(allowed)}.",
        code="payment_intent_unexpected_state",
    )
