"""Products: create, retrieve, update, delete, list (also made inline by `product_data`)."""

from __future__ import annotations

from typing import Any

from .. import errors, ids
from ..context import Context
from ..listing import paginate
from ..routing import route

UPDATABLE = ("active", "description", "images", "name", "shippable", "statement_descriptor",
             "tax_code", "unit_label", "url")  # fmt: skip


def new_product(ctx: Context, data: dict[str, Any], product_id: str | None = None) -> dict:
    """A product from `product_data` or the create parameters (emits product.created)."""
    product = {
        "id": product_id or ids.new_id("prod"),
        "object": "product",
        "active": data.get("active", True) is not False,
        "created": ctx.now(),
        "default_price": None,
        "description": data.get("description"),
        "images": data.get("images") or [],
        "livemode": False,
        "marketing_features": data.get("marketing_features") or [],
        "metadata": data.get("metadata") or {},
        "name": data["name"],
        "package_dimensions": data.get("package_dimensions"),
        "shippable": data.get("shippable"),
        "statement_descriptor": data.get("statement_descriptor"),
        "tax_code": data.get("tax_code"),
        "type": "service",
        "unit_label": data.get("unit_label"),
        "updated": ctx.now(),
        "url": data.get("url"),
    }
    ctx.store.add(product)
    ctx.emit("product.created", product)
    return product


@route("POST", "/v1/products")
def create_product(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    if params.get("id") and ctx.store.get(params["id"]) is not None:
        raise errors.invalid_request(
            f"Product already exists with ID {params['id']}.", param="id",
            code="resource_already_exists",
        )  # fmt: skip
    product = new_product(ctx, params, params.get("id"))
    if params.get("default_price_data"):
        from .prices import new_price  # prices import products: break the cycle here

        price = new_price(ctx, product["id"], params["default_price_data"])
        product["default_price"] = price["id"]
    return product


@route("GET", "/v1/products/{id}")
def retrieve_product(ctx: Context) -> dict[str, Any]:
    return _live(ctx)


@route("POST", "/v1/products/{id}")
def update_product(ctx: Context) -> dict[str, Any]:
    product = _live(ctx)
    extra = {}
    if ctx.params.get("default_price"):
        price = ctx.store.fetch(ctx.params["default_price"], "price", param="default_price")
        extra["default_price"] = price["id"]
    if previous := ctx.updated(product, UPDATABLE, **extra):
        product["updated"] = ctx.now()
        ctx.emit("product.updated", product, previous)
    return product


@route("DELETE", "/v1/products/{id}")
def delete_product(ctx: Context) -> dict[str, Any]:
    product = _live(ctx)
    if any(price["product"] == product["id"] for price in ctx.store.all("price")):
        raise errors.invalid_request(
            "This product cannot be deleted because it has one or more user-created prices."
        )
    ctx.emit("product.deleted", product)
    deleted = {"id": product["id"], "object": "product", "deleted": True}
    ctx.store.objects[product["id"]] = deleted
    return deleted


@route("GET", "/v1/products")
def list_products(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    wanted = set(params.get("ids") or [])
    rows = [
        product
        for product in ctx.store.all("product")
        if not product.get("deleted")
        and params.get("active") in (None, product["active"])
        and (not wanted or product["id"] in wanted)
    ]
    return paginate(ctx.store, rows, params, "/v1/products", "product")


def _live(ctx: Context) -> dict[str, Any]:
    product = ctx.store.fetch(ctx.args["id"], "product")
    if product.get("deleted"):
        raise errors.resource_missing("product", product["id"])
    return product
