"""The customer pays a Checkout Session (hosted page or control endpoint).

3-D Secure cards succeed here: the customer is taken to have authenticated. Declines leave
the session open so that the customer can try another card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import cards, errors
from ..context import Context
from ..errors import StripeError
from . import attempts, checkout_subscriptions, customers, payment_intents, payment_methods
from .shapes import address

DEFAULT_EMAIL = "jenny.rosen@example.com"
DEFAULT_NAME = "Jenny Rosen"


@dataclass
class PaymentOutcome:
    status: str  # "succeeded" | "declined" | "processing"
    session: dict[str, Any]
    intent: dict[str, Any] | None
    error: StripeError | None = None


def pay(
    ctx: Context,
    session: dict[str, Any],
    reference: str,
    *,
    delayed: bool = False,
    email: str | None = None,
    name: str | None = None,
) -> PaymentOutcome:
    """Pay `session` with a test token, card number or PaymentMethod id."""
    check_payable(ctx, session)
    email = email or session["customer_email"] or _customer_email(ctx, session) or DEFAULT_EMAIL
    billing = {"email": email, "name": name or DEFAULT_NAME}
    try:
        payment_method = _payment_method(ctx, reference, billing)
    except StripeError as error:
        if error.error_type != "card_error":
            raise
        return PaymentOutcome(
            "declined", session, ctx.store.get(session["payment_intent"] or ""), error
        )
    if session["mode"] == "subscription":
        return _subscribe(ctx, session, payment_method, billing)
    intent = _payment_intent(ctx, session, billing)
    error = attempts.confirm(ctx, intent, payment_method, authenticated=True, delayed=delayed)
    if error is not None:
        return PaymentOutcome("declined", session, intent, error)
    _complete(ctx, session, intent, payment_method, billing)
    attempts.after_success(ctx, intent)
    return PaymentOutcome("processing" if delayed else "succeeded", session, intent)


def _subscribe(
    ctx: Context, session: dict[str, Any], payment_method: dict[str, Any], billing: dict
) -> PaymentOutcome:
    error = checkout_subscriptions.pay(ctx, session, payment_method, billing)
    if error is not None:
        return PaymentOutcome("declined", session, None, error)
    _complete(ctx, session, None, payment_method, billing)
    return PaymentOutcome("succeeded", session, None)


def check_payable(ctx: Context, session: dict[str, Any]) -> None:
    if session["status"] != "open":
        raise errors.invalid_request(
            f"This Checkout Session is no longer open (status {session['status']})."
        )
    if session["expires_at"] <= ctx.now():
        raise errors.invalid_request("This Checkout Session has expired.")


def _customer_email(ctx: Context, session: dict[str, Any]) -> str | None:
    customer = ctx.store.get(session["customer"] or "")
    return customer.get("email") if customer else None


def _payment_method(ctx: Context, reference: str, billing: dict[str, Any]) -> dict[str, Any]:
    reference = reference.strip()
    if reference.startswith("pm_") and not cards.test_token_card(reference):
        return ctx.store.fetch(reference, "payment_method", param="payment_method")
    card = cards.resolve(reference)
    return payment_methods.new_payment_method(ctx, card, billing=billing)


def _payment_intent(ctx: Context, session: dict[str, Any], billing: dict) -> dict[str, Any]:
    """The session's PaymentIntent: created on the first attempt, reused after a decline."""
    if session["payment_intent"]:
        return ctx.store.fetch(session["payment_intent"], "payment_intent")
    data = ctx.store.meta(session["id"]).get("payment_intent_data") or {}
    customer = session["customer"]
    if customer is None and (
        session["customer_creation"] == "always" or data.get("setup_future_usage")
    ):
        customer = customers.new_customer(ctx, email=billing["email"], name=billing["name"])["id"]
        session["customer"] = customer
    intent = payment_intents.new_payment_intent(
        ctx,
        amount=session["amount_total"],
        currency=session["currency"],
        customer=customer,
        payment_method_types=session["payment_method_types"],
        **data,
    )
    ctx.store.meta(intent["id"])["checkout_session"] = session["id"]
    session["payment_intent"] = intent["id"]
    return intent


def _complete(
    ctx: Context,
    session: dict[str, Any],
    intent: dict[str, Any] | None,
    payment_method: dict[str, Any],
    billing: dict[str, Any],
) -> None:
    country = payment_method["card"]["country"]
    if intent is not None:  # subscription mode set payment_status from the first invoice
        session["payment_status"] = "paid" if intent["status"] == "succeeded" else "unpaid"
    session.update(
        status="complete",
        url=None,
        customer_details={
            "address": address({"country": country}),
            "business_name": None,
            "email": billing["email"],
            "individual_name": None,
            "name": billing["name"],
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        },
        collected_information={
            "business_name": None,
            "individual_name": None,
            "shipping_details": None,
        },
    )
    ctx.emit("checkout.session.completed", session)


def settle(ctx: Context, intent: dict[str, Any], succeed: bool) -> dict[str, Any]:
    """A delayed payment clears or fails; a Checkout Session behind it hears about it."""
    attempts.settle(ctx, intent, succeed)
    session = ctx.store.get(ctx.store.meta(intent["id"]).get("checkout_session") or "")
    if session is not None and session["status"] == "complete":
        if succeed:
            session["payment_status"] = "paid"
            ctx.emit("checkout.session.async_payment_succeeded", session)
        else:
            ctx.emit("checkout.session.async_payment_failed", session)
    if succeed:
        attempts.after_success(ctx, intent)
    return intent
