"""The hosted Billing Portal page (`/p/session/{id}`): the customer's subscriptions, a new
default card, and cancelling at the end of the period (the portal's default cancel mode).

Updating the card makes it the default of the customer and of each live subscription, then
pays any open invoice of a past_due or unpaid subscription with it (as Stripe's portal does
for an overdue subscription). Forms post back and redirect to the page (or `return_url`).
"""

from __future__ import annotations

from html import escape
from typing import Any

from . import billing, cards, money
from .checkout_page import _card_choices, _page
from .context import Context
from .errors import StripeError, resource_missing
from .params import Str
from .replies import Reply, redirect
from .resources import invoices, payment_methods
from .routing import route

LIVE = ("trialing", "active", "past_due", "unpaid", "paused")


def _session(ctx: Context) -> dict[str, Any]:
    session = ctx.store.fetch(ctx.args["id"], "billing_portal.session")
    ctx.use_clock_of(ctx.store.get(session["customer"]))
    return session


def _subscriptions(ctx: Context, customer_id: str) -> list[dict[str, Any]]:
    return [s for s in ctx.store.all("subscription")
            if s["customer"] == customer_id and s["status"] in LIVE]  # fmt: skip


def _row(session: dict[str, Any], sub: dict[str, Any]) -> str:
    item = sub["items"]["data"][0]
    price = item["price"]
    amount = money.format_amount(price["unit_amount"] * item["quantity"], price["currency"])
    plan = price["recurring"]
    every = plan["interval"] if plan["interval_count"] == 1 else (
        f"{plan['interval_count']} {plan['interval']}s")  # fmt: skip
    base = f"/p/session/{session['id']}/subscriptions/{sub['id']}"
    if sub["cancel_at_period_end"]:
        action = (f"<p class=muted>Cancels at the end of the period.</p><form method=post "
                  f"action='{base}/renew'><button type=submit>Renew</button></form>")  # fmt: skip
    else:
        action = (f"<form method=post action='{base}/cancel'><button type=submit>"
                  "Cancel subscription</button></form>")  # fmt: skip
    return (f"<li><span>{escape(amount)} / {escape(every)}</span>"
            f"<span class=muted>{escape(sub['status'])}</span></li>{action}")  # fmt: skip


def render(ctx: Context, session: dict[str, Any], error: str | None = None) -> Reply:
    customer = ctx.store.fetch(session["customer"], "customer")
    rows = "".join(_row(session, sub) for sub in _subscriptions(ctx, customer["id"]))
    failure = f"<div class=error role=alert>{escape(error)}</div>" if error else ""
    back = (f"<a class=cancel href='{escape(session['return_url'])}'>Return</a>"
            if session["return_url"] else "")  # fmt: skip
    body = (
        f"<p class=muted>Billing</p><h1>{escape(customer.get('email') or customer['id'])}</h1>"
        f"<ul class=items>{rows or '<li>No subscriptions.</li>'}</ul>"
        f"<form method=post action='/p/session/{session['id']}/payment_method'>"
        f"<label>New card</label>{_card_choices('pm_card_visa')}{failure}"
        "<button type=submit>Update payment method</button></form>"
        f"{back}"
    )
    return _page("Billing portal", body, status=402 if error else 200)


@route("GET", "/p/session/{id}", schema={})
def portal_page(ctx: Context) -> Reply:
    return render(ctx, _session(ctx))


@route("POST", "/p/session/{id}/payment_method", schema={"card": Str(required=True)})
def update_payment_method(ctx: Context) -> Reply:
    session = _session(ctx)
    customer = ctx.store.fetch(session["customer"], "customer")
    try:
        card = cards.resolve(ctx.params["card"])
        payment_method = payment_methods.new_payment_method(ctx, card)
        payment_methods.check_attachable(ctx, payment_method, customer["id"])
    except StripeError as error:
        return render(ctx, session, error.message)
    payment_methods.attach(ctx, payment_method, customer["id"])
    set_default(ctx, customer, payment_method["id"])
    return redirect(f"/p/session/{session['id']}")


def set_default(ctx: Context, customer: dict[str, Any], method_id: str) -> None:
    """The new card becomes every default; overdue invoices are paid with it."""
    settings = customer["invoice_settings"]
    previous = {"invoice_settings": dict(settings)}
    settings["default_payment_method"] = method_id
    ctx.emit("customer.updated", customer, previous)
    for sub in _subscriptions(ctx, customer["id"]):
        changed = ctx.changed(sub, default_payment_method=method_id)
        if changed:
            ctx.emit("customer.subscription.updated", sub, changed)
        if sub["status"] in ("past_due", "unpaid"):
            for invoice in ctx.store.all("invoice"):
                if invoice["status"] == "open" and invoices.subscription_of(invoice) == sub["id"]:
                    invoice["next_payment_attempt"] = None
                    billing.collect(ctx, invoice, off_session=False, authenticated=True)


def _own_subscription(ctx: Context, session: dict[str, Any]) -> dict[str, Any]:
    sub = ctx.store.fetch(ctx.args["subscription"], "subscription")
    if sub["customer"] != session["customer"]:
        raise resource_missing("subscription", sub["id"])
    return sub


@route("POST", "/p/session/{id}/subscriptions/{subscription}/cancel", schema={})
def cancel(ctx: Context) -> Reply:
    session = _session(ctx)
    sub = _own_subscription(ctx, session)
    details = {**sub["cancellation_details"], "reason": "cancellation_requested"}
    previous = ctx.changed(sub, cancel_at_period_end=True, cancel_at=billing.period(sub)[1],
                           canceled_at=ctx.now(), cancellation_details=details)  # fmt: skip
    if previous:
        ctx.emit("customer.subscription.updated", sub, previous)
    return redirect(f"/p/session/{session['id']}")


@route("POST", "/p/session/{id}/subscriptions/{subscription}/renew", schema={})
def renew(ctx: Context) -> Reply:
    session = _session(ctx)
    sub = _own_subscription(ctx, session)
    details = {**sub["cancellation_details"], "reason": None}
    previous = ctx.changed(sub, cancel_at_period_end=False, cancel_at=None, canceled_at=None,
                           cancellation_details=details)  # fmt: skip
    if previous:
        ctx.emit("customer.subscription.updated", sub, previous)
    return redirect(f"/p/session/{session['id']}")
