"""PaymentMethods (cards only): create, retrieve, update, attach, detach, list.

A test token (`pm_card_visa`) used anywhere a PaymentMethod id is accepted materialises a
fresh `pm_...` object, as Stripe does.
"""

from __future__ import annotations

import time
from typing import Any

from .. import cards, errors, ids
from ..cards import TestCard
from ..context import Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from .shapes import billing_details


def new_payment_method(
    ctx: Context,
    card: TestCard,
    *,
    exp_month: int | None = None,
    exp_year: int | None = None,
    billing: dict[str, Any] | None = None,
    metadata: dict[str, str] | None = None,
    allow_redisplay: str = "unspecified",
) -> dict[str, Any]:
    today = time.gmtime(ctx.now())
    payment_method = {
        "id": ids.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": allow_redisplay,
        "billing_details": billing_details(billing),
        "card": {
            "brand": card.brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "unchecked",
            },
            "country": card.country,
            "display_brand": card.brand,
            "exp_month": exp_month or today.tm_mon,
            "exp_year": exp_year or today.tm_year + 1,
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "generated_from": None,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": ctx.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": dict(metadata or {}),
        "type": "card",
    }
    return ctx.store.add(payment_method, card=card.name)


def card_of(ctx: Context, payment_method: dict[str, Any]) -> TestCard:
    name = ctx.store.meta(payment_method["id"]).get("card")
    card = cards.test_token_card(f"pm_card_{name}")
    assert card is not None, f"no test card behind {payment_method['id']}"
    return card


def resolve(
    ctx: Context, reference: str, *, param: str = "payment_method", billing: dict | None = None
) -> dict[str, Any]:
    """A stored PaymentMethod, or a fresh one for a test token such as `pm_card_visa`."""
    card = cards.test_token_card(reference)
    if card is not None:
        return new_payment_method(ctx, card, billing=billing)
    return ctx.store.fetch(reference, "payment_method", param=param)


def check_attachable(ctx: Context, payment_method: dict[str, Any], customer_id: str) -> None:
    """Stripe's attach-time checks: not saved elsewhere, and not a card that always declines."""
    owner = payment_method["customer"]
    if owner is not None and owner != customer_id:
        raise errors.invalid_request(
            "The payment method you provided has already been attached to a customer.",
            code="payment_method_unexpected_state",
        )
    card = card_of(ctx, payment_method)
    if card.decline_code:
        raise cards.decline_error(card.decline_code, card.error_code)


def attach(ctx: Context, payment_method: dict[str, Any], customer_id: str) -> dict[str, Any]:
    """Save a card to a customer; cards that always decline are refused, as Stripe does."""
    if payment_method["customer"] == customer_id:
        return payment_method
    check_attachable(ctx, payment_method, customer_id)
    payment_method["customer"] = customer_id
    ctx.emit("payment_method.attached", payment_method)
    return payment_method


def _card_from_params(
    ctx: Context, params: dict[str, Any]
) -> tuple[TestCard, int | None, int | None]:
    card_params = params.get("card") or {}
    if card_params.get("token"):
        card = cards.test_token_card(card_params["token"])
        if card is None or not card_params["token"].startswith("tok_"):
            raise errors.resource_missing("token", card_params["token"], param="card[token]")
        return card, None, None
    if not card_params.get("number"):
        raise errors.parameter_missing("card[number]")
    for field in ("exp_month", "exp_year"):
        if card_params.get(field) is None:
            raise errors.parameter_missing(f"card[{field}]")
    month, year = card_params["exp_month"], card_params["exp_year"]
    year = year + 2000 if year < 100 else year
    _check_expiry(ctx, month, year)
    return cards.card_for_number(card_params["number"]), month, year


def _check_expiry(ctx: Context, month: int, year: int) -> None:
    today = time.gmtime(ctx.now())
    if not 1 <= month <= 12:
        raise errors.card_error(
            "invalid_expiry_month", "Your card's expiration month is invalid.",
            param="card[exp_month]",
        )  # fmt: skip
    if (year, month) < (today.tm_year, today.tm_mon) or year > today.tm_year + 50:
        raise errors.card_error(
            "invalid_expiry_year", "Your card's expiration year is invalid.",
            param="card[exp_year]",
        )  # fmt: skip


@route("POST", "/v1/payment_methods")
def create_payment_method(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    if params.get("payment_method") or params.get("customer"):
        raise errors.invalid_request(
            "Cloning PaymentMethods (Stripe Connect) is not emulated.", param="payment_method"
        )
    card, month, year = _card_from_params(ctx, params)
    return new_payment_method(
        ctx,
        card,
        exp_month=month,
        exp_year=year,
        billing=params.get("billing_details"),
        metadata=params.get("metadata") or {},
        allow_redisplay=params.get("allow_redisplay") or "unspecified",
    )


@route("GET", "/v1/payment_methods/{id}")
def retrieve_payment_method(ctx: Context) -> dict[str, Any]:
    return resolve(ctx, ctx.args["id"], param="id")


@route("POST", "/v1/payment_methods/{id}")
def update_payment_method(ctx: Context) -> dict[str, Any]:
    payment_method = ctx.store.fetch(ctx.args["id"], "payment_method")
    params = ctx.params
    before = {key: payment_method[key] for key in ("billing_details", "metadata", "card")}
    before = {key: dict(value) for key, value in before.items()}
    if params.get("billing_details") is not None:
        merged = {**payment_method["billing_details"], **params["billing_details"]}
        payment_method["billing_details"] = billing_details(merged)
    payment_method["metadata"] = merge_metadata(payment_method["metadata"], params.get("metadata"))
    for field in ("exp_month", "exp_year"):
        if (params.get("card") or {}).get(field) is not None:
            payment_method["card"][field] = params["card"][field]
    if params.get("allow_redisplay"):
        payment_method["allow_redisplay"] = params["allow_redisplay"]
    previous = {key: value for key, value in before.items() if payment_method[key] != value}
    ctx.emit("payment_method.updated", payment_method, previous)
    return payment_method


@route("POST", "/v1/payment_methods/{id}/attach")
def attach_payment_method(ctx: Context) -> dict[str, Any]:
    customer = ctx.store.fetch(ctx.params["customer"], "customer", param="customer")
    payment_method = resolve(ctx, ctx.args["id"], param="id")
    return attach(ctx, payment_method, customer["id"])


@route("POST", "/v1/payment_methods/{id}/detach")
def detach_payment_method(ctx: Context) -> dict[str, Any]:
    payment_method = ctx.store.fetch(ctx.args["id"], "payment_method")
    owner = payment_method["customer"]
    if owner is None:
        raise errors.invalid_request(
            "The payment method you provided is not attached to a customer so detachment is "
            "impossible.",
            code="payment_method_unexpected_state",
        )
    payment_method["customer"] = None
    customer = ctx.store.get(owner)
    settings = (customer or {}).get("invoice_settings") or {}
    if settings.get("default_payment_method") == payment_method["id"]:
        previous = {"invoice_settings": dict(settings)}
        settings["default_payment_method"] = None
        ctx.emit("customer.updated", customer, previous)
    ctx.emit("payment_method.detached", payment_method, {"customer": owner})
    return payment_method


@route("GET", "/v1/payment_methods")
def list_payment_methods(ctx: Context) -> dict[str, Any]:
    return list_for(ctx, ctx.params.get("customer"), "/v1/payment_methods")


def list_for(ctx: Context, customer_id: str | None, url: str) -> dict[str, Any]:
    kind = ctx.params.get("type")
    rows = [
        payment_method
        for payment_method in ctx.store.all("payment_method")
        if (customer_id is None or payment_method["customer"] == customer_id)
        and (kind is None or payment_method["type"] == kind)
    ]
    return paginate(ctx.store, rows, ctx.params, url, "payment_method")
