"""Checkout line items built from `price_data` (with the Products and Prices Stripe creates)."""

from __future__ import annotations

from typing import Any

from .. import errors, ids, money
from ..context import Context
from ..expand import includable
from ..store import Store


def check_line_items(items: list[dict[str, Any]]) -> tuple[str, int]:
    """Validate `line_items` for mode=payment; returns (currency, amount_total)."""
    currencies, total = set(), 0
    for index, item in enumerate(items):
        name = f"line_items[{index}]"
        if item.get("price"):
            raise errors.resource_missing("price", item["price"], param=f"{name}[price]")
        price = item.get("price_data")
        if price is None:
            raise errors.parameter_missing(f"{name}[price_data]")
        if item.get("quantity") is None:
            raise errors.parameter_missing(f"{name}[quantity]")
        if price.get("unit_amount") is None:
            raise errors.parameter_missing(f"{name}[price_data][unit_amount]")
        if not price.get("product_data") and not price.get("product"):
            raise errors.parameter_missing(f"{name}[price_data][product_data]")
        money.check_currency(price["currency"], param=f"{name}[price_data][currency]")
        currencies.add(price["currency"])
        total += price["unit_amount"] * item["quantity"]
    if len(currencies) > 1:
        raise errors.invalid_request(
            "Checkout does not support multiple currencies: all line items must use the same "
            "currency.",
            param="line_items",
        )
    return currencies.pop(), total


def build_line_items(ctx: Context, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_line_item(ctx, item) for item in items]


def _line_item(ctx: Context, item: dict[str, Any]) -> dict[str, Any]:
    price_data = item["price_data"]
    product = _product(ctx, price_data)
    price = {
        "id": ids.new_id("price"),
        "object": "price",
        "active": False,
        "billing_scheme": "per_unit",
        "created": ctx.now(),
        "currency": price_data["currency"],
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": product["id"],
        "recurring": None,
        "tax_behavior": price_data.get("tax_behavior") or "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time",
        "unit_amount": price_data["unit_amount"],
        "unit_amount_decimal": str(price_data["unit_amount"]),
    }
    ctx.store.add(price)
    return line_item_for(ctx, price, item["quantity"], item, product)


def line_item_for(
    ctx: Context, price: dict[str, Any], quantity: int, item: dict[str, Any],
    product: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The Checkout line item for `quantity` units of `price`."""
    product = product or ctx.store.fetch(price["product"], "product")
    amount = price["unit_amount"] * quantity
    return {
        "id": ids.new_id("li"),
        "object": "item",
        "adjustable_quantity": None,
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": price["currency"],
        "description": product["name"],
        "metadata": item.get("metadata") or {},
        "price": price,
        "quantity": quantity,
    }


def _product(ctx: Context, price_data: dict[str, Any]) -> dict[str, Any]:
    if price_data.get("product"):
        return ctx.store.fetch(price_data["product"], "product", param="price_data[product]")
    data = price_data["product_data"]
    product = {
        "id": ids.new_id("prod"),
        "object": "product",
        "active": True,
        "created": ctx.now(),
        "default_price": None,
        "description": data.get("description"),
        "images": data.get("images") or [],
        "livemode": False,
        "marketing_features": [],
        "metadata": data.get("metadata") or {},
        "name": data["name"],
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": data.get("tax_code"),
        "type": "service",
        "unit_label": data.get("unit_label"),
        "updated": ctx.now(),
        "url": None,
    }
    return ctx.store.add(product)


@includable("item", "discounts")
def _discounts(store: Store, item: dict[str, Any]) -> list[dict[str, Any]]:
    """The emulator applies no discounts: the expanded list is empty, as Stripe's is then."""
    return []


@includable("item", "taxes")
def _taxes(store: Store, item: dict[str, Any]) -> list[dict[str, Any]]:
    return []
