"""Prices: create, retrieve, update, list; and the inline `price_data` of subscription items
and Checkout line items (one-time or `recurring`)."""

from __future__ import annotations

from typing import Any

from .. import errors, ids, money
from ..context import Context
from ..listing import paginate
from ..routing import route
from . import products

UPDATABLE = ("active", "lookup_key", "nickname", "tax_behavior")
# Stripe's longest billing interval is three years.
MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}


def check_recurring(recurring: dict[str, Any] | None, param: str) -> None:
    if not recurring:
        return
    count = recurring.get("interval_count") or 1
    if count < 1 or count > MAX_INTERVAL_COUNT[recurring["interval"]]:
        raise errors.invalid_request(
            "The maximum billing interval is three years (1095 days, 156 weeks, 36 months or "
            "3 years).",
            param=f"{param}[interval_count]",
        )


def new_price(
    ctx: Context, product_id: str, data: dict[str, Any], *, param: str = "", active: bool = True
) -> dict[str, Any]:
    """A per-unit price for `product_id` from `data` (emits price.created)."""
    prefix = f"{param}[" if param else ""
    suffix = "]" if param else ""
    if data.get("unit_amount") is None:
        raise errors.parameter_missing(f"{prefix}unit_amount{suffix}")
    money.check_currency(data["currency"], param=f"{prefix}currency{suffix}")
    check_recurring(data.get("recurring"), f"{prefix}recurring{suffix}")
    recurring = data.get("recurring")
    price = {
        "id": ids.new_id("price"),
        "object": "price",
        "active": active,
        "billing_scheme": "per_unit",
        "created": ctx.now(),
        "currency": data["currency"],
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": data.get("lookup_key"),
        "metadata": data.get("metadata") or {},
        "nickname": data.get("nickname"),
        "product": product_id,
        "recurring": _recurring(recurring) if recurring else None,
        "tax_behavior": data.get("tax_behavior") or "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": data["unit_amount"],
        "unit_amount_decimal": str(data["unit_amount"]),
    }
    ctx.store.add(price)
    ctx.emit("price.created", price)
    return price


def _recurring(recurring: dict[str, Any]) -> dict[str, Any]:
    return {
        "interval": recurring["interval"],
        "interval_count": recurring.get("interval_count") or 1,
        "meter": None,
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": recurring.get("usage_type") or "licensed",
    }


def price_for_item(ctx: Context, item: dict[str, Any], param: str) -> dict[str, Any]:
    """The price of a subscription or Checkout item: `price` (an id) or inline `price_data`."""
    if item.get("price") and item.get("price_data"):
        raise errors.invalid_request(
            "You may only specify one of these parameters: price, price_data.",
            param=f"{param}[price_data]",
        )
    if item.get("price"):
        price = ctx.store.fetch(item["price"], "price", param=f"{param}[price]")
        if not price["active"]:
            raise errors.invalid_request(
                f"The price specified ({price['id']}) is inactive. This field only accepts active "
                "prices.",
                param=f"{param}[price]",
            )
        return price
    data = item.get("price_data")
    if data is None:
        raise errors.parameter_missing(f"{param}[price]")
    if data.get("product"):
        product = ctx.store.fetch(data["product"], "product", param=f"{param}[price_data][product]")
    elif data.get("product_data"):
        product = products.new_product(ctx, data["product_data"])
    else:
        raise errors.parameter_missing(f"{param}[price_data][product]")
    # Inline prices are archived at once, as Stripe's are (they cannot be reused).
    return new_price(ctx, product["id"], data, param=f"{param}[price_data]", active=False)


@route("POST", "/v1/prices")
def create_price(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    if params.get("product") and params.get("product_data"):
        raise errors.invalid_request(
            "You may only specify one of these parameters: product, product_data.",
            param="product_data",
        )
    if params.get("product"):
        product = ctx.store.fetch(params["product"], "product", param="product")
    elif params.get("product_data"):
        product = products.new_product(ctx, params["product_data"])
    else:
        raise errors.parameter_missing("product")
    return new_price(ctx, product["id"], params, active=params.get("active", True) is not False)


@route("GET", "/v1/prices/{id}")
def retrieve_price(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "price")


@route("POST", "/v1/prices/{id}")
def update_price(ctx: Context) -> dict[str, Any]:
    price = ctx.store.fetch(ctx.args["id"], "price")
    if previous := ctx.updated(price, UPDATABLE):
        ctx.emit("price.updated", price, previous)
    return price


@route("GET", "/v1/prices")
def list_prices(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    recurring = params.get("recurring") or {}
    rows = [
        price
        for price in ctx.store.all("price")
        if all(params.get(key) in (None, price[key])
               for key in ("active", "currency", "product", "type"))
        and recurring.get("interval") in (None, (price["recurring"] or {}).get("interval"))
        and (not params.get("lookup_keys") or price["lookup_key"] in params["lookup_keys"])
    ]  # fmt: skip
    return paginate(ctx.store, rows, params, "/v1/prices", "price")
