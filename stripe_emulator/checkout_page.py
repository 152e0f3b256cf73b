"""The hosted Checkout page (`/c/pay/{id}`) and payment receipts, as small HTML pages."""

from __future__ import annotations

from html import escape
from typing import Any

from . import cards, money
from .context import Context
from .errors import StripeError
from .params import Str
from .replies import Reply, html_reply, redirect
from .resources import checkout_payments
from .routing import route

FORM = {"card": Str(), "card_number": Str(), "email": Str(), "name": Str(), "delayed": Str()}
STYLE = """
body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;
 background:#f6f9fc;color:#1a1f36}
main{max-width:440px;margin:40px auto;background:#fff;border-radius:12px;padding:28px 32px;
 box-shadow:0 6px 24px rgba(50,50,93,.12)}
.badge{display:inline-block;background:#ffde92;color:#663c00;font-size:11px;font-weight:600;
 padding:2px 8px;border-radius:4px;text-transform:uppercase;letter-spacing:.04em}
h1{font-size:32px;margin:8px 0 4px}
.items{list-style:none;padding:0;margin:16px 0;border-top:1px solid #e3e8ee}
.items li{display:flex;justify-content:space-between;padding:8px 0;border-bottom:1px solid #e3e8ee}
.muted{color:#697386;font-size:13px}
label{display:block;font-weight:600;margin:14px 0 6px}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:10px;
 border:1px solid #cfd7df;border-radius:6px;font:inherit}
.cards{border:1px solid #cfd7df;border-radius:6px;max-height:230px;overflow:auto}
.cards label{font-weight:400;margin:0;padding:7px 10px;border-bottom:1px solid #eef1f4}
.cards code{color:#697386;font-size:12px}
button{width:100%;margin-top:20px;padding:12px;border:0;border-radius:6px;background:#635bff;
 color:#fff;font:600 16px inherit;cursor:pointer}
.error{background:#fde8ec;color:#a41c4e;padding:10px 12px;border-radius:6px;margin-top:14px}
a.cancel{display:block;text-align:center;margin-top:14px;color:#635bff}
"""


def _page(title: str, body: str, status: int = 200) -> Reply:
    return html_reply(
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><span class=badge>Test mode · Stripe emulator</span>{body}</main>"
        "</body></html>",
        status,
    )


def _items(ctx: Context, session: dict[str, Any]) -> str:
    rows = []
    for item in ctx.store.meta(session["id"]).get("line_items", []):
        amount = money.format_amount(item["amount_total"], item["currency"])
        rows.append(
            f"<li><span>{escape(item['description'])} <span class=muted>× {item['quantity']}"
            f"</span></span><span>{escape(amount)}</span></li>"
        )
    return f"<ul class=items>{''.join(rows)}</ul>"


def _card_choices(selected: str) -> str:
    options = []
    for card in cards.TEST_CARDS:
        token = f"pm_card_{card.name}"
        checked = " checked" if token == selected else ""
        options.append(
            f"<label><input type=radio name=card value='{token}'{checked}> "
            f"{escape(card.label)} <code>{card.number}</code></label>"
        )
    return f"<div class=cards>{''.join(options)}</div>"


def _prefilled_email(ctx: Context, session: dict[str, Any]) -> str:
    """What Stripe's page shows: the typed e-mail, else ``customer_email``, else the customer's."""
    if ctx.params.get("email") or session["customer_email"]:
        return ctx.params.get("email") or session["customer_email"]
    customer = session.get("customer")
    if isinstance(customer, str):
        customer = ctx.store.get(customer)
    return (customer or {}).get("email") or ""


def render_checkout(ctx: Context, session: dict[str, Any], error: str | None = None) -> Reply:
    total = money.format_amount(session["amount_total"], session["currency"])
    if session["status"] != "open":
        message = (
            "This payment is complete."
            if session["status"] == "complete"
            else ("This Checkout Session has expired.")
        )
        return _page("Checkout", f"<h1>{escape(total)}</h1><p>{message}</p>")
    form = ctx.params
    email = _prefilled_email(ctx, session)
    cancel = (
        f"<a class=cancel href='/c/pay/{session['id']}/cancel'>Cancel and return</a>"
        if session["cancel_url"]
        else ""
    )
    failure = f"<div class=error role=alert>{escape(error)}</div>" if error else ""
    body = (
        f"<p class=muted>Pay</p><h1>{escape(total)}</h1>{_items(ctx, session)}"
        f"<form method=post action='/c/pay/{session['id']}'>"
        f"<label for=email>Email</label>"
        f"<input id=email type=email name=email value='{escape(email)}'>"
        f"<label>Test card</label>{_card_choices(form.get('card') or 'pm_card_visa')}"
        f"<label for=number>Or a card number</label>"
        f"<input id=number type=text name=card_number inputmode=numeric "
        f"placeholder='4242 4242 4242 4242'>"
        f"<label><input type=checkbox name=delayed value=true> Delayed notification "
        f"(settled later with /_emulator/payment_intents/…/settle)</label>"
        f"{failure}<button type=submit>Pay {escape(total)}</button></form>{cancel}"
    )
    return _page("Checkout", body, status=402 if error else 200)


@route("GET", "/c/pay/{id}", schema={})
def checkout_page(ctx: Context) -> Reply:
    return render_checkout(ctx, ctx.store.fetch(ctx.args["id"], "checkout.session"))


@route("POST", "/c/pay/{id}", schema=FORM)
def submit_checkout(ctx: Context) -> Reply:
    session = ctx.store.fetch(ctx.args["id"], "checkout.session")
    form = ctx.params
    reference = (form.get("card_number") or form.get("card") or "").strip()
    if session["status"] != "open" or not reference:
        return render_checkout(ctx, session, None if reference else "Choose a test card.")
    try:
        outcome = checkout_payments.pay(
            ctx, session, reference, delayed=form.get("delayed") == "true",
            email=form.get("email"), name=form.get("name"),
        )  # fmt: skip
    except StripeError as error:
        return render_checkout(ctx, session, error.message)
    if outcome.error is not None:
        return render_checkout(ctx, session, outcome.error.message)
    if session["success_url"]:
        return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
    return _page("Paid", f"<h1>Thanks!</h1><p>Payment {escape(outcome.status)}.</p>")


@route("GET", "/c/pay/{id}/cancel", schema={})
def cancel_checkout(ctx: Context) -> Reply:
    session = ctx.store.fetch(ctx.args["id"], "checkout.session")
    if session["cancel_url"]:
        return redirect(session["cancel_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
    return _page("Canceled", "<p>You left the payment page.</p>")


@route("GET", "/receipts/payment/{id}", schema={})
def receipt(ctx: Context) -> Reply:
    charge = ctx.store.fetch(ctx.args["id"], "charge")
    amount = money.format_amount(charge["amount"], charge["currency"])
    card = charge["payment_method_details"]["card"]
    refunded = money.format_amount(charge["amount_refunded"], charge["currency"])
    return _page(
        "Receipt",
        f"<p class=muted>Receipt</p><h1>{escape(amount)}</h1>"
        f"<p>{escape(card['brand'].title())} •••• {escape(card['last4'])}</p>"
        f"<p class=muted>{escape(charge['description'] or '')}</p>"
        f"<p class=muted>Status: {escape(charge['status'])}; refunded {escape(refunded)}</p>",
    )
