"""Subscriptions: create, retrieve, update, cancel, list, resume; their items.

Creating one bills its first period at once (`billing.bill_period`): with
`payment_behavior=default_incomplete` the subscription stays `incomplete` and its first
invoice's PaymentIntent waits for the customer (`expand[]=latest_invoice.confirmation_secret`
gives its `client_secret`); otherwise the default payment method is charged. Objects of a
customer on a test clock live on the clock's time; the clock's advance runs the renewals.
"""

from __future__ import annotations

from typing import Any

from .. import billing, errors, ids
from ..context import Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from ..store import public, stripe_order
from . import destinations, prices

MAX_ITEMS = 20
CANCELED = ("canceled", "incomplete_expired")


def check_create(params: dict[str, Any]) -> None:
    if not params.get("items"):
        raise errors.parameter_missing("items")
    if len(params["items"]) > MAX_ITEMS:
        raise errors.invalid_request(f"You may pass at most {MAX_ITEMS} items.", param="items")
    if params.get("trial_end") is not None and params.get("trial_period_days") is not None:
        raise errors.invalid_request(
            "You may only specify one of these parameters: trial_end, trial_period_days.",
            param="trial_period_days",
        )
    destinations.check_fee_percent(params)
    if (params.get("collection_method") or "charge_automatically") != "charge_automatically":
        raise errors.invalid_request(
            "The emulator supports collection_method=charge_automatically only.",
            param="collection_method",
        )
    if params.get("payment_behavior") == "pending_if_incomplete":
        raise errors.invalid_request(
            "payment_behavior=pending_if_incomplete is only supported when updating a "
            "subscription.",
            param="payment_behavior",
        )


def _items(ctx: Context, requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for index, item in enumerate(requested):
        param = f"items[{index}]"
        price = prices.price_for_item(ctx, item, param)
        if price["recurring"] is None:
            raise errors.invalid_request(
                f"The price specified ({price['id']}) is a one-time price. Subscription items "
                "need a recurring price (`price_data[recurring]`).",
                param=f"{param}[price]",
            )
        found.append((price, item))
    first = found[0][0]
    for price, _ in found[1:]:
        if (price["currency"], price["recurring"]["interval"],
                price["recurring"]["interval_count"]) != (
                first["currency"], first["recurring"]["interval"],
                first["recurring"]["interval_count"]):  # fmt: skip
            raise errors.invalid_request(
                "All prices on a subscription must have the same `currency` and "
                "`recurring[interval]`/`recurring[interval_count]`.",
                param="items",
            )
    return [_item(ctx, price, item) for price, item in found]


def items_for_prices(ctx: Context, requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Subscription items for already-resolved prices (`{"price": {...}, "quantity": n}`)."""
    return [_item(ctx, row["price"], row) for row in requested]


def _item(ctx: Context, price: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ids.new_id("si"), "object": "subscription_item", "billed_until": None,
        "billing_thresholds": None, "created": ctx.now(), "current_period_end": 0,
        "current_period_start": 0, "current_trial": None, "discounts": [],
        "metadata": item.get("metadata") or {}, "plan": _plan(price), "price": price,
        "quantity": item.get("quantity") or 1, "subscription": None, "tax_rates": [],
    }  # fmt: skip


def _plan(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy Plan view of a recurring price, which Stripe still returns on items."""
    plan = price["recurring"]
    return {
        "id": price["id"], "object": "plan", "active": price["active"],
        "amount": price["unit_amount"], "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit", "created": price["created"],
        "currency": price["currency"], "interval": plan["interval"],
        "interval_count": plan["interval_count"], "livemode": False, "metadata": {},
        "meter": None, "nickname": price["nickname"], "product": price["product"],
        "tiers_mode": None, "transform_usage": None,
        "trial_period_days": plan["trial_period_days"], "usage_type": plan["usage_type"],
    }  # fmt: skip


def _trial_end(ctx: Context, params: dict[str, Any], items: list[dict]) -> int | None:
    now = ctx.now()
    if params.get("trial_end") == "now":
        return None
    if params.get("trial_end") is not None:
        if params["trial_end"] <= now:
            raise errors.invalid_request(
                "Invalid timestamp: must be an integer Unix timestamp in the future.",
                param="trial_end",
            )
        return int(params["trial_end"])
    days = params.get("trial_period_days")
    if days is None and params.get("trial_from_plan"):
        days = items[0]["price"]["recurring"]["trial_period_days"]
    return now + days * billing.DAY if days else None


def check_payment_method(ctx: Context, customer_id: str, reference: str | None, param: str) -> Any:
    if not reference:
        return None
    payment_method = ctx.store.get(reference)
    if payment_method is None or payment_method.get("customer") != customer_id:
        raise errors.invalid_request(
            f"The customer does not have a payment method with the ID {reference}. The payment "
            "method must be attached to the customer.",
            param=param,
        )
    return reference


def new_subscription(
    ctx: Context, customer: dict[str, Any], items: list[dict], params: dict[str, Any]
) -> dict[str, Any]:
    """A subscription (not yet billed), `trialing` or `incomplete` (emits ...created)."""
    now, trial_end = ctx.now(), _trial_end(ctx, params, items)
    subscription_id = ids.new_id("sub")
    missing = ((params.get("trial_settings") or {}).get("end_behavior") or {}).get(
        "missing_payment_method") or "create_invoice"  # fmt: skip
    subscription = {
        "id": subscription_id, "object": "subscription", "application": None,
        "application_fee_percent": None if params.get("application_fee_percent") == ""
        else params.get("application_fee_percent"),
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": trial_end or now, "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic", "updated_at": None},
        "billing_schedules": [], "billing_thresholds": None, "cancel_at": None,
        "cancel_at_period_end": False, "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "feedback_option": None,
                                 "reason": None},
        "collection_method": "charge_automatically", "created": now,
        "currency": items[0]["price"]["currency"], "customer": customer["id"],
        "customer_account": None, "days_until_due": None,
        "default_payment_method": check_payment_method(
            ctx, customer["id"], params.get("default_payment_method"), "default_payment_method"),
        "default_source": None, "default_tax_rates": [],
        "description": params.get("description"), "discounts": [], "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "custom_fields": None,
                             "description": None, "footer": None, "issuer": {"type": "self"}},
        "items": {"object": "list", "data": items, "has_more": False, "total_count": len(items),
                  "url": f"/v1/subscription_items?subscription={subscription_id}"},
        "latest_invoice": None, "livemode": False, "managed_payments": None,
        "metadata": params.get("metadata") or {}, "next_pending_invoice_item_invoice": None,
        "on_behalf_of": params.get("on_behalf_of"), "pause_collection": None,
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": (params.get("payment_settings")
                                 or {}).get("save_default_payment_method") or "off"},
        "pending_invoice_item_interval": None, "pending_setup_intent": None,
        "pending_update": None, "presentment_details": None, "schedule": None,
        "start_date": now, "status": "trialing" if trial_end else "incomplete",
        "status_details": None, "test_clock": customer.get("test_clock"),
        "transfer_data": params.get("transfer_data"), "trial_end": trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": missing}},
        "trial_start": now if trial_end else None,
    }  # fmt: skip
    for item in items:
        item["subscription"] = subscription_id
        ctx.store.add(item)
    billing.set_period(subscription, now)
    if trial_end:
        for item in items:
            item["current_period_end"] = trial_end
    subscription = ctx.store.add(stripe_order(subscription))
    _schedule_cancel(ctx, subscription, params)
    ctx.emit("customer.subscription.created", subscription)
    return subscription


def _schedule_cancel(ctx: Context, subscription: dict[str, Any], params: dict[str, Any]) -> None:
    if params.get("cancel_at_period_end") is not None:
        at_end = bool(params["cancel_at_period_end"])
        subscription.update(
            cancel_at_period_end=at_end,
            cancel_at=billing.period(subscription)[1] if at_end else None,
            canceled_at=ctx.now() if at_end else None,
        )
    elif params.get("cancel_at") not in (None, ""):
        subscription.update(cancel_at=int(params["cancel_at"]), canceled_at=ctx.now())
    elif params.get("cancel_at") == "":
        subscription.update(cancel_at=None, canceled_at=None, cancel_at_period_end=False)
    if params.get("cancellation_details"):
        subscription["cancellation_details"].update(params["cancellation_details"])


@route("POST", "/v1/subscriptions", check=check_create)
def create_subscription(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    customer = ctx.store.fetch(params["customer"], "customer", param="customer")
    if customer.get("deleted"):
        raise errors.resource_missing("customer", customer["id"], param="customer")
    ctx.use_clock_of(customer)
    destinations.check_destination(ctx, {"transfer_data": params.get("transfer_data")}, None)
    subscription = new_subscription(ctx, customer, _items(ctx, params["items"]), params)
    invoice = billing.bill_period(ctx, subscription, "subscription_create")
    behavior = params.get("payment_behavior") or "allow_incomplete"
    if behavior != "default_incomplete" and invoice["status"] == "open":
        error = billing.collect(ctx, invoice, off_session=bool(params.get("off_session")))
        if error is not None and behavior == "error_if_incomplete":
            raise error
    return subscription


def _subscription(ctx: Context) -> dict[str, Any]:
    subscription = ctx.store.fetch(ctx.args["id"], "subscription")
    ctx.use_clock_of(ctx.store.get(subscription["customer"]))
    return subscription


@route("GET", "/v1/subscriptions/{id}")
def retrieve_subscription(ctx: Context) -> dict[str, Any]:
    return _subscription(ctx)


@route("POST", "/v1/subscriptions/{id}")
def update_subscription(ctx: Context) -> dict[str, Any]:
    subscription = _subscription(ctx)
    params = ctx.params
    if params.get("items"):
        raise errors.invalid_request(
            "The emulator does not support changing a subscription's items.", param="items"
        )
    if subscription["status"] in CANCELED and set(params) - {"metadata", "cancellation_details",
                                                              "expand"}:  # fmt: skip
        raise errors.invalid_request(
            "A canceled subscription can only update its cancellation_details and metadata."
        )
    before = public({key: value for key, value in subscription.items() if key != "items"})
    if "default_payment_method" in params:
        subscription["default_payment_method"] = check_payment_method(
            ctx, subscription["customer"], params["default_payment_method"],
            "default_payment_method",
        )  # fmt: skip
    for key in ("description", "pause_collection"):
        if key in params:
            subscription[key] = params[key]
    subscription["metadata"] = merge_metadata(subscription["metadata"], params.get("metadata"))
    _schedule_cancel(ctx, subscription, params)
    end_trial_now = params.get("trial_end") == "now" and subscription["status"] == "trialing"
    if isinstance(params.get("trial_end"), int) and subscription["status"] == "trialing":
        subscription["trial_end"] = subscription["billing_cycle_anchor"] = params["trial_end"]
        for item in subscription["items"]["data"]:
            item["current_period_end"] = params["trial_end"]
    previous = {key: value for key, value in before.items() if subscription[key] != value}
    if previous:
        ctx.emit("customer.subscription.updated", subscription, previous)
    if end_trial_now:
        subscription["trial_end"] = subscription["billing_cycle_anchor"] = ctx.now()
        billing.run_step(ctx, subscription, "trial_end")
    return subscription


@route("DELETE", "/v1/subscriptions/{id}")
def cancel_subscription(ctx: Context) -> dict[str, Any]:
    subscription = _subscription(ctx)
    if subscription["status"] in CANCELED:
        raise errors.invalid_request(
            f"No such subscription: '{subscription['id']}'. This subscription has already been "
            "canceled.",
        )
    if ctx.params.get("cancellation_details"):
        subscription["cancellation_details"].update(ctx.params["cancellation_details"])
    subscription["canceled_at"] = ctx.now()
    billing.end(ctx, subscription, "cancellation_requested")
    return subscription


@route("POST", "/v1/subscriptions/{id}/resume")
def resume_subscription(ctx: Context) -> dict[str, Any]:
    """A `paused` subscription (trial ended without a payment method) starts a paid period."""
    subscription = _subscription(ctx)
    if subscription["status"] != "paused":
        raise errors.invalid_request(
            f"Subscription {subscription['id']} is not paused: only a subscription whose status "
            "is paused can be resumed.",
        )
    subscription["billing_cycle_anchor"] = ctx.now()
    billing.set_period(subscription, ctx.now())
    billing.set_status(ctx, subscription, "active")
    ctx.emit("customer.subscription.resumed", subscription)
    billing.collect(ctx, billing.bill_period(ctx, subscription, "subscription_cycle"))
    return subscription


@route("GET", "/v1/subscriptions")
def list_subscriptions(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    status = params.get("status")
    rows = [
        sub
        for sub in ctx.store.all("subscription")
        if params.get("customer") in (None, sub["customer"])
        and params.get("test_clock") in (None, sub["test_clock"])
        and _status_matches(sub["status"], status)
        and params.get("price") in (None, *(i["price"]["id"] for i in sub["items"]["data"]))
    ]
    return paginate(ctx.store, rows, params, "/v1/subscriptions", "subscription")


def _status_matches(status: str, wanted: str | None) -> bool:
    if wanted is None:
        return status != "canceled"  # Stripe's default: subscriptions not canceled
    if wanted == "all":
        return True
    if wanted == "ended":
        return status in CANCELED
    return status == wanted


@route("GET", "/v1/subscription_items/{id}")
def retrieve_subscription_item(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "subscription_item")


@route("GET", "/v1/subscription_items")
def list_subscription_items(ctx: Context) -> dict[str, Any]:
    subscription = ctx.store.fetch(ctx.params["subscription"], "subscription",
                                   param="subscription")  # fmt: skip
    url = f"/v1/subscription_items?subscription={subscription['id']}"
    return paginate(ctx.store, subscription["items"]["data"], ctx.params, url,
                    "subscription_item")  # fmt: skip
