"""Control endpoints under `/_emulator/`: what Stripe's customers and banks would do.

No authentication. Their webhooks are delivered before they answer, so a test that calls
one knows the events have reached the webhook endpoint.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .context import Context
from .faults import KINDS, Fault
from .params import Bool, Int, Str
from .resources import attempts, checkout_payments, checkout_sessions, disputes, refunds
from .routing import route
from .store import public

OUTCOME = Str(choices=("succeed", "fail"))
PAY = {"payment_method": Str(required=True), "delayed": Bool(), "email": Str(), "name": Str()}


@route("POST", "/_emulator/checkout/sessions/{id}/pay", schema=PAY)
def pay_session(ctx: Context) -> dict[str, Any]:
    """Complete a Checkout Session exactly as the hosted page does."""
    session = ctx.store.fetch(ctx.args["id"], "checkout.session")
    params = ctx.params
    outcome = checkout_payments.pay(
        ctx,
        session,
        params["payment_method"],
        delayed=bool(params.get("delayed")),
        email=params.get("email"),
        name=params.get("name"),
    )
    return {
        "status": outcome.status,
        "checkout_session": public(outcome.session),
        "payment_intent": public(outcome.intent) if outcome.intent else None,
        "error": outcome.error.body()["error"] if outcome.error else None,
    }


@route("POST", "/_emulator/payment_intents/{id}/authenticate", schema={"outcome": OUTCOME})
def authenticate(ctx: Context) -> dict[str, Any]:
    """The customer passes (or fails) 3-D Secure for a requires_action PaymentIntent."""
    intent = ctx.store.fetch(ctx.args["id"], "payment_intent")
    error = attempts.authenticate(ctx, intent, ctx.params.get("outcome") != "fail")
    if error is None:
        attempts.after_success(ctx, intent)
    return intent


@route("POST", "/_emulator/payment_intents/{id}/settle", schema={"outcome": OUTCOME})
def settle(ctx: Context) -> dict[str, Any]:
    """A processing (delayed notification) payment clears or fails."""
    intent = ctx.store.fetch(ctx.args["id"], "payment_intent")
    return checkout_payments.settle(ctx, intent, ctx.params.get("outcome") != "fail")


@route("POST", "/_emulator/charges/{id}/dispute", schema={"reason": Str(), "amount": Int()})
def open_dispute(ctx: Context) -> dict[str, Any]:
    """The cardholder disputes a succeeded charge."""
    charge = ctx.store.fetch(ctx.args["id"], "charge")
    dispute = disputes.open_dispute(ctx, charge, ctx.params.get("reason") or "fraudulent")
    return dispute


@route(
    "POST",
    "/_emulator/disputes/{id}/close",
    schema={"outcome": Str(required=True, choices=("won", "lost"))},
)
def close_dispute(ctx: Context) -> dict[str, Any]:
    """The card network decides the dispute."""
    dispute = ctx.store.fetch(ctx.args["id"], "dispute")
    return disputes.close_dispute(ctx, dispute, won=ctx.params["outcome"] == "won")


@route("POST", "/_emulator/refunds/{id}/fail", schema={})
def fail_refund(ctx: Context) -> dict[str, Any]:
    """A pending refund fails (e.g. the card was canceled)."""
    return refunds.fail_refund(ctx, ctx.store.fetch(ctx.args["id"], "refund"))


@route("POST", "/_emulator/clock/expire", schema={})
def expire_due(ctx: Context) -> dict[str, Any]:
    """Expire every open Checkout Session whose expires_at has passed."""
    return {"expired": checkout_sessions.expire_due(ctx)}


@route("POST", "/_emulator/events/{id}/resend", schema={})
def resend_event(ctx: Context) -> dict[str, Any]:
    """Deliver an existing event again (Stripe's retry, on demand)."""
    event = ctx.store.fetch(ctx.args["id"], "event")
    ctx.outbox.append(event)
    return event


FAULT = {
    "kind": Str(required=True, choices=KINDS),
    "path": Str(required=True),
    "method": Str(),
    "status": Int(minimum=400, maximum=599),
    "count": Int(minimum=1),
}


@route("POST", "/_emulator/faults", schema=FAULT)
def add_fault(ctx: Context) -> dict[str, Any]:
    """Plan a fault for the next matching API request(s) (see `faults.py` for the kinds)."""
    params = ctx.params
    fault = Fault(
        params["kind"], (params.get("method") or "POST").upper(), params["path"],
        params.get("count") or 1, params.get("status") or 500,
    )  # fmt: skip
    ctx.emulator.faults.add(fault)
    return {"kind": fault.kind, "method": fault.method, "path": fault.path,
            "count": fault.remaining, "status": fault.status}  # fmt: skip


@route("POST", "/_emulator/reset", schema={})
def reset(ctx: Context) -> dict[str, Any]:
    ctx.emulator.reset()
    return {"reset": True}


@route("GET", "/_emulator/objects/{id}", schema={})
def get_object(ctx: Context) -> dict[str, Any]:
    obj = ctx.store.get(ctx.args["id"])
    if obj is None:
        raise errors.resource_missing("object", ctx.args["id"])
    return obj


@route("GET", "/_emulator/deliveries", schema={})
def deliveries(ctx: Context) -> dict[str, Any]:
    return {"object": "list", "data": ctx.emulator.deliveries}
