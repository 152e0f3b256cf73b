"""Customers: create, retrieve, update, delete, list, and their saved PaymentMethods."""

from __future__ import annotations

from typing import Any

from .. import errors, ids
from ..context import Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from . import payment_methods
from .shapes import address

# The parameters a new customer keeps as given.
FIELDS = (
    "email",
    "name",
    "phone",
    "description",
    "metadata",
    "invoice_settings",
    "address",
    "shipping",
    "preferred_locales",
    "tax_exempt",
    "balance",
    "business_name",
    "individual_name",
    "invoice_prefix",
    "next_invoice_sequence",
    "tax",
    "test_clock",
)
SIMPLE_FIELDS = ("email", "name", "phone", "description", "balance", "business_name",
                 "individual_name", "tax_exempt", "preferred_locales", "shipping")  # fmt: skip


def new_customer(ctx: Context, **fields: Any) -> dict[str, Any]:
    customer = {
        "id": ids.new_id("cus"),
        "object": "customer",
        "address": address(fields["address"]) if fields.get("address") else None,
        "balance": fields.get("balance") or 0,
        "business_name": fields.get("business_name"),
        "created": ctx.now(),
        "currency": None,
        "customer_account": None,
        "default_source": None,
        "delinquent": False,
        "description": fields.get("description"),
        "discount": None,
        "email": fields.get("email"),
        "individual_name": fields.get("individual_name"),
        "invoice_prefix": ids.random_token(8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": fields.get("metadata") or {},
        "name": fields.get("name"),
        "next_invoice_sequence": 1,
        "phone": fields.get("phone"),
        "preferred_locales": fields.get("preferred_locales") or [],
        "shipping": fields.get("shipping"),
        "tax_exempt": fields.get("tax_exempt") or "none",
        "test_clock": fields.get("test_clock"),
    }
    ctx.store.add(customer)
    ctx.emit("customer.created", customer)
    return customer


def _default_payment_method(
    ctx: Context, customer: dict[str, Any], requested: str | None, attached: dict | None
) -> str | None:
    """Check `invoice_settings[default_payment_method]` names a card saved to this customer."""
    if requested is None:
        return None
    if attached is not None and requested in (attached["id"], ctx.params.get("payment_method")):
        return attached["id"]
    payment_method = ctx.store.get(requested)
    if payment_method is None or payment_method.get("customer") != customer["id"]:
        raise errors.invalid_request(
            f"The customer does not have a payment method with the ID {requested}. The payment "
            "method must be attached to the customer.",
            param="invoice_settings[default_payment_method]",
        )
    return requested


@route("POST", "/v1/customers")
def create_customer(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    card = None
    if params.get("payment_method"):
        card = payment_methods.resolve(ctx, params["payment_method"])
        payment_methods.check_attachable(ctx, card, "")  # a refused card creates no customer
    fields = {key: value for key, value in params.items() if key in FIELDS}
    if params.get("test_clock"):
        from .test_clocks import clock_for_new_customer  # test clocks list customers

        ctx.clock_time = clock_for_new_customer(ctx, params["test_clock"])["frozen_time"]
    customer = new_customer(ctx, **fields)
    if card is not None:
        payment_methods.attach(ctx, card, customer["id"])
    default = (params.get("invoice_settings") or {}).get("default_payment_method")
    chosen = _default_payment_method(ctx, customer, default, card)
    if chosen:
        customer["invoice_settings"]["default_payment_method"] = chosen
    return customer


@route("GET", "/v1/customers/{id}")
def retrieve_customer(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "customer")


@route("POST", "/v1/customers/{id}")
def update_customer(ctx: Context) -> dict[str, Any]:
    customer = _live_customer(ctx)
    params = ctx.params
    settings = params.get("invoice_settings") or {}
    chosen = _default_payment_method(ctx, customer, settings.get("default_payment_method"), None)
    before = {key: _copy(value) for key, value in customer.items()}
    for field in SIMPLE_FIELDS:
        if field in params:
            customer[field] = params[field]
    if "address" in params:
        customer["address"] = address(params["address"]) if params["address"] else None
    customer["metadata"] = merge_metadata(customer["metadata"], params.get("metadata"))
    if "default_payment_method" in settings:
        customer["invoice_settings"]["default_payment_method"] = chosen
    previous = {key: value for key, value in before.items() if customer[key] != value}
    if previous:
        ctx.emit("customer.updated", customer, previous)
    return customer


@route("DELETE", "/v1/customers/{id}")
def delete_customer(ctx: Context) -> dict[str, Any]:
    customer = _live_customer(ctx)
    ctx.emit("customer.deleted", customer)
    for payment_method in ctx.store.all("payment_method"):
        if payment_method["customer"] == customer["id"]:
            payment_method["customer"] = None
    deleted = {"id": customer["id"], "object": "customer", "deleted": True}
    ctx.store.objects[customer["id"]] = deleted
    return deleted


@route("GET", "/v1/customers")
def list_customers(ctx: Context) -> dict[str, Any]:
    email = ctx.params.get("email")
    rows = [
        customer
        for customer in ctx.store.all("customer")
        if not customer.get("deleted") and (email is None or customer["email"] == email)
    ]
    return paginate(ctx.store, rows, ctx.params, "/v1/customers", "customer")


@route("GET", "/v1/customers/{id}/payment_methods")
def list_customer_payment_methods(ctx: Context) -> dict[str, Any]:
    customer = _live_customer(ctx)
    url = f"/v1/customers/{customer['id']}/payment_methods"
    return payment_methods.list_for(ctx, customer["id"], url)


@route("GET", "/v1/customers/{id}/payment_methods/{payment_method}")
def retrieve_customer_payment_method(ctx: Context) -> dict[str, Any]:
    customer = _live_customer(ctx)
    payment_method = ctx.store.fetch(ctx.args["payment_method"], "payment_method")
    if payment_method["customer"] != customer["id"]:
        raise errors.resource_missing("payment_method", payment_method["id"])
    return payment_method


def _live_customer(ctx: Context) -> dict[str, Any]:
    customer = ctx.store.fetch(ctx.args["id"], "customer")
    if customer.get("deleted"):
        raise errors.resource_missing("customer", customer["id"])
    return customer


def _copy(value: Any) -> Any:
    return {**value} if isinstance(value, dict) else value
