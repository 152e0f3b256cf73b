"""Checkout Sessions (mode=payment or subscription): create, retrieve, update, list, expire,
line items.

Paying happens on the hosted page or the control endpoint (see `checkout_payments`).
"""

from __future__ import annotations

import time
from typing import Any

from .. import errors, ids, money
from ..context import Context
from ..expand import includable
from ..listing import list_of, paginate
from ..params import merge_metadata
from ..routing import route
from ..store import Store
from . import checkout_subscriptions, destinations, line_items, payment_intents

MIN_LIFETIME, MAX_LIFETIME = 30 * 60, 24 * 60 * 60
CLOCK_SLACK = 10


def check_create(params: dict[str, Any]) -> None:
    if params["mode"] not in ("payment", "subscription"):
        raise errors.invalid_request(
            "The emulator supports mode=payment and mode=subscription only.", param="mode"
        )
    if (params.get("ui_mode") or "hosted") != "hosted":
        raise errors.invalid_request("The emulator supports ui_mode=hosted only.", param="ui_mode")
    _check_urls_and_customer(params)
    if params["mode"] == "subscription":
        checkout_subscriptions.check_create(params)
        return
    if params.get("subscription_data") is not None:
        raise errors.invalid_request(
            "You can only pass `subscription_data` in `subscription` mode.",
            param="subscription_data",
        )
    if not params.get("line_items"):
        raise errors.parameter_missing("line_items")
    currency, total = line_items.check_line_items(params["line_items"])
    if total < money.MINIMUM_CHARGE.get(currency, 50):
        minimum = money.format_amount(money.MINIMUM_CHARGE.get(currency, 50), currency)
        raise errors.invalid_request(
            f"The Checkout Session's total amount due must add up to at least {minimum} {currency}",
            param="line_items",
            code="amount_too_small",
        )


def _check_urls_and_customer(params: dict[str, Any]) -> None:
    for first, second in (("customer", "customer_email"), ("customer", "customer_creation")):
        if params.get(first) and params.get(second):
            raise errors.invalid_request(
                f"You may only specify one of these parameters: {first}, {second}.", param=second
            )
    for name in ("success_url", "cancel_url"):
        if params.get(name) and not params[name].startswith(("http://", "https://")):
            raise errors.invalid_request("Not a valid URL", param=name, code="url_invalid")
    _check_expires_at(params.get("expires_at"))


def _check_expires_at(expires_at: int | None) -> None:
    if expires_at is None:
        return
    lifetime = expires_at - int(time.time())
    # A few seconds of slack: callers compute "now + 30 minutes" just before the request.
    if lifetime < MIN_LIFETIME - CLOCK_SLACK or lifetime > MAX_LIFETIME + CLOCK_SLACK:
        raise errors.invalid_request(
            "The `expires_at` timestamp must be at least 30 minutes and at most 24 hours after "
            "the Checkout Session is created.",
            param="expires_at",
        )


def new_session(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    subscription_mode = params["mode"] == "subscription"
    if subscription_mode:
        items = checkout_subscriptions.build_items(ctx, params["line_items"])
    else:
        items = line_items.build_line_items(ctx, params["line_items"])
    total = sum(item["amount_total"] for item in items)
    session_id = ids.checkout_session_id()
    created = ctx.now()
    customer = params.get("customer")
    session = {
        "id": session_id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": params.get("allow_promotion_codes"),
        "amount_subtotal": total, "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": params.get("billing_address_collection"),
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"), "client_secret": None,
        "collected_information": None, "consent": None, "consent_collection": None,
        "created": created, "currency": items[0]["currency"], "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer, "customer_account": None,
        "customer_creation": None if customer or subscription_mode
        else params.get("customer_creation") or "if_required",
        "customer_details": None, "customer_email": params.get("customer_email"),
        "discounts": [], "expires_at": params.get("expires_at") or created + MAX_LIFETIME,
        "integration_identifier": params.get("integration_identifier"), "invoice": None,
        "invoice_creation": {"enabled": False, "invoice_data": {
            "account_tax_ids": None, "custom_fields": None, "description": None, "footer": None,
            "issuer": None, "metadata": {}, "rendering_options": None}},
        "livemode": False, "locale": params.get("locale"), "managed_payments": None,
        "metadata": params.get("metadata") or {}, "mode": params["mode"], "origin_context": None,
        "payment_intent": None, "payment_link": None,
        "payment_method_collection": params.get("payment_method_collection")
            or ("always" if subscription_mode else "if_required"),
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": params.get("payment_method_types") or ["card"],
        "payment_status": "unpaid", "permissions": None,
        "phone_number_collection": {
            "enabled": bool((params.get("phone_number_collection") or {}).get("enabled"))},
        "recovered_from": None, "saved_payment_method_options": None, "setup_intent": None,
        "shipping_address_collection": None, "shipping_cost": None, "shipping_options": [],
        "status": "open", "submit_type": params.get("submit_type"), "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted", "url": f"{ctx.base_url}/c/pay/{session_id}", "wallet_options": None,
    }  # fmt: skip
    return ctx.store.add(
        session,
        line_items=items,
        payment_intent_data=params.get("payment_intent_data") or {},
        subscription_data=params.get("subscription_data") or {},
    )


@includable("checkout.session", "line_items")
def _line_items(store: Store, session: dict[str, Any]) -> dict[str, Any]:
    items = store.meta(session["id"]).get("line_items", [])
    return list_of(items, f"/v1/checkout/sessions/{session['id']}/line_items")


@includable("checkout.session", "total_details.breakdown")
def _breakdown(store: Store, total_details: dict[str, Any]) -> dict[str, Any]:
    """No discounts or taxes are emulated, so both lists are empty."""
    return {"discounts": [], "taxes": []}


@route("POST", "/v1/checkout/sessions", check=check_create)
def create_session(ctx: Context) -> dict[str, Any]:
    if ctx.params.get("customer"):
        ctx.store.fetch(ctx.params["customer"], "customer", param="customer")
    destinations.check_destination(ctx, ctx.params.get("payment_intent_data") or {}, None)
    subscription_data = ctx.params.get("subscription_data") or {}
    destinations.check_destination(ctx, subscription_data, None, "subscription_data")
    return new_session(ctx, ctx.params)


@route("GET", "/v1/checkout/sessions/{id}")
def retrieve_session(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "checkout.session")


@route("POST", "/v1/checkout/sessions/{id}")
def update_session(ctx: Context) -> dict[str, Any]:
    session = ctx.store.fetch(ctx.args["id"], "checkout.session")
    session["metadata"] = merge_metadata(session["metadata"], ctx.params.get("metadata"))
    return session


@route("GET", "/v1/checkout/sessions/{id}/line_items")
def list_line_items(ctx: Context) -> dict[str, Any]:
    session = ctx.store.fetch(ctx.args["id"], "checkout.session")
    page = _line_items(ctx.store, session)
    limit = ctx.params.get("limit") or 10
    page.update(data=page["data"][:limit], has_more=len(page["data"]) > limit)
    page.pop("total_count")
    return page


@route("GET", "/v1/checkout/sessions")
def list_sessions(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    email = (params.get("customer_details") or {}).get("email")
    rows = [
        session
        for session in ctx.store.all("checkout.session")
        if all(params.get(key) in (None, session[key])
               for key in ("payment_intent", "customer", "status"))
        and (email is None or (session["customer_details"] or {}).get("email") == email)
    ]  # fmt: skip
    return paginate(ctx.store, rows, params, "/v1/checkout/sessions", "checkout.session")


@route("POST", "/v1/checkout/sessions/{id}/expire")
def expire_session(ctx: Context) -> dict[str, Any]:
    return expire(ctx, ctx.store.fetch(ctx.args["id"], "checkout.session"))


def expire(ctx: Context, session: dict[str, Any]) -> dict[str, Any]:
    if session["status"] != "open":
        raise errors.invalid_request(
            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f'Session has a status of "{session["status"]}".',
        )
    intent = ctx.store.get(session["payment_intent"] or "")
    if intent is not None and intent["status"] in payment_intents.CANCELABLE:
        payment_intents.cancel(ctx, intent, "abandoned")
    session.update(status="expired", url=None)
    ctx.emit("checkout.session.expired", session)
    return session


def expire_due(ctx: Context) -> list[str]:
    """Expire every open session whose `expires_at` has passed (by `time.time()`)."""
    now = ctx.now()
    due = [
        session
        for session in ctx.store.all("checkout.session")
        if session["status"] == "open" and session["expires_at"] <= now
    ]
    for session in due:
        expire(ctx, session)
    return [session["id"] for session in due]
