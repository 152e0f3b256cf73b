"""Checkout Sessions in `mode=subscription`: recurring line items (a `price` id or inline
`price_data` with `recurring`), `subscription_data`, and what paying on the hosted page does:
the customer (created if needed) gets the card attached, then the subscription is created with
that card as its default payment method and its first invoice is paid on the spot.

A card that will decline is refused before anything is created (the page shows the error and
the session stays open), so a failed attempt leaves no incomplete subscription behind.
"""

from __future__ import annotations

from typing import Any

from .. import billing, cards, errors
from ..context import Context
from . import customers, destinations, line_items, payment_methods, prices, subscriptions

NOT_IN_SUBSCRIPTION_MODE = ("payment_intent_data", "customer_creation", "submit_type")


def check_create(params: dict[str, Any]) -> None:
    """Pure checks of a mode=subscription session (prices are checked when it is built)."""
    if not params.get("line_items"):
        raise errors.parameter_missing("line_items")
    for name in NOT_IN_SUBSCRIPTION_MODE:
        if params.get(name) is not None:
            raise errors.invalid_request(
                f"You can not pass `{name}` in `subscription` mode.", param=name
            )
    destinations.check_fee_percent(params.get("subscription_data") or {}, "subscription_data")
    for index, item in enumerate(params["line_items"]):
        data = item.get("price_data")
        if data is not None and not data.get("recurring"):
            raise errors.invalid_request(
                f"You must specify `line_items[{index}][price_data][recurring]` in "
                "`subscription` mode.",
                param=f"line_items[{index}][price_data][recurring]",
            )


def build_items(ctx: Context, requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checkout line items for recurring prices (all of one currency and interval)."""
    built = []
    for index, item in enumerate(requested):
        price = prices.price_for_item(ctx, item, f"line_items[{index}]")
        if price["recurring"] is None:
            raise errors.invalid_request(
                f"The price {price['id']} is a one-time price: `subscription` mode needs "
                "recurring prices.",
                param=f"line_items[{index}][price]",
            )
        built.append(line_items.line_item_for(ctx, price, item.get("quantity") or 1, item))
    plans = {(i["currency"], i["price"]["recurring"]["interval"],
              i["price"]["recurring"]["interval_count"]) for i in built}  # fmt: skip
    if len(plans) > 1:
        raise errors.invalid_request(
            "All line items of a subscription must share a currency and billing interval.",
            param="line_items",
        )
    return built


def pay(
    ctx: Context, session: dict[str, Any], payment_method: dict[str, Any], billing_details: dict
) -> errors.StripeError | None:
    """Subscribe the customer; the card error when the card declines (nothing created)."""
    card = payment_methods.card_of(ctx, payment_method)
    decline = card.decline_for_charge()
    if decline:
        return cards.decline_error(decline, card.error_code)
    customer = ctx.store.get(session["customer"] or "")
    if customer is None:
        customer = customers.new_customer(
            ctx, email=billing_details["email"], name=billing_details["name"]
        )
        session["customer"] = customer["id"]
    ctx.use_clock_of(customer)
    if payment_method["customer"] != customer["id"]:
        payment_methods.attach(ctx, payment_method, customer["id"])
    meta = ctx.store.meta(session["id"])
    data = {**(meta.get("subscription_data") or {}), "default_payment_method": payment_method["id"]}
    items = [{"price": item["price"], "quantity": item["quantity"]} for item in meta["line_items"]]
    subscription = subscriptions.new_subscription(
        ctx, customer, subscriptions.items_for_prices(ctx, items), data
    )
    invoice = billing.bill_period(ctx, subscription, "subscription_create")
    error = billing.collect(ctx, invoice, off_session=False, authenticated=True)
    if error is not None:
        return error
    session.update(subscription=subscription["id"], invoice=invoice["id"])
    session["payment_status"] = "paid" if invoice["amount_due"] else "no_payment_required"
    return None
