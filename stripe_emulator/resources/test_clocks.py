"""Test clocks (`/v1/test_helpers/test_clocks`): create, retrieve, list, delete, advance.

A customer created with `test_clock` lives on the clock's frozen time, and so do its
subscriptions, invoices, payments and their events. Advancing the clock runs the billing
engine (`billing.advance`) for every step due up to the new time, in time order. Stripe
advances asynchronously: the answer says `advancing`; here the work is done by the time the
answer is sent, so a retrieve already says `ready` (clients that poll work unchanged).
"""

from __future__ import annotations

from typing import Any

from .. import billing, errors, ids
from ..context import Context
from ..listing import paginate
from ..routing import route
from ..store import public

MAX_CUSTOMERS = 3
LIFETIME = 30 * billing.DAY


@route("POST", "/v1/test_helpers/test_clocks")
def create_test_clock(ctx: Context) -> dict[str, Any]:
    frozen = int(ctx.params["frozen_time"])
    clock = {
        "id": ids.new_id("clock"),
        "object": "test_helpers.test_clock",
        "created": ctx.now(),
        "deletes_after": ctx.now() + LIFETIME,
        "frozen_time": frozen,
        "livemode": False,
        "name": ctx.params.get("name"),
        "status": "ready",
        "status_details": {"advancing": None},
    }
    ctx.store.add(clock)
    ctx.emit("test_helpers.test_clock.created", clock)
    return clock


@route("GET", "/v1/test_helpers/test_clocks/{id}")
def retrieve_test_clock(ctx: Context) -> dict[str, Any]:
    return _clock(ctx)


@route("GET", "/v1/test_helpers/test_clocks")
def list_test_clocks(ctx: Context) -> dict[str, Any]:
    rows = [clock for clock in ctx.store.all("test_helpers.test_clock") if not clock.get("deleted")]
    return paginate(ctx.store, rows, ctx.params, "/v1/test_helpers/test_clocks",
                    "test_helpers.test_clock")  # fmt: skip


@route("DELETE", "/v1/test_helpers/test_clocks/{id}")
def delete_test_clock(ctx: Context) -> dict[str, Any]:
    """Deleting a clock deletes its customers (and so their subscriptions), as Stripe does."""
    clock = _clock(ctx)
    for customer in customers_on(ctx, clock):
        ctx.store.objects[customer["id"]] = {"id": customer["id"], "object": "customer",
                                             "deleted": True}  # fmt: skip
    ctx.emit("test_helpers.test_clock.deleted", clock)
    deleted = {"id": clock["id"], "object": "test_helpers.test_clock", "deleted": True}
    ctx.store.objects[clock["id"]] = deleted
    return deleted


@route("POST", "/v1/test_helpers/test_clocks/{id}/advance")
def advance_test_clock(ctx: Context) -> dict[str, Any]:
    clock = _clock(ctx)
    target = int(ctx.params["frozen_time"])
    if target <= clock["frozen_time"]:
        raise errors.invalid_request(
            "The frozen_time must be after the test clock's current frozen_time "
            f"({clock['frozen_time']}).",
            param="frozen_time",
        )
    _check_two_intervals(ctx, clock, target)
    ctx.clock_time = clock["frozen_time"]
    answer = public({**clock, "status": "advancing",
                     "status_details": {"advancing": {"target_frozen_time": target}}})  # fmt: skip
    ctx.emit("test_helpers.test_clock.advancing", answer)
    billing.advance(ctx, {customer["id"] for customer in customers_on(ctx, clock)}, target)
    ctx.clock_time = target
    clock["frozen_time"] = target
    ctx.emit("test_helpers.test_clock.ready", clock)
    return answer


def _check_two_intervals(ctx: Context, clock: dict[str, Any], target: int) -> None:
    """Stripe refuses to advance more than two intervals of the shortest subscription."""
    owners = {customer["id"] for customer in customers_on(ctx, clock)}
    limits = [
        billing.add_intervals(clock["frozen_time"], plan["interval"], plan["interval_count"], 2)
        for sub in ctx.store.all("subscription")
        if sub["customer"] in owners and sub["status"] not in ("canceled", "incomplete_expired")
        for plan in [billing.recurring(sub)]
    ]
    if limits and target > min(limits):
        raise errors.invalid_request(
            "Cannot advance the test clock more than two intervals of the shortest subscription "
            f"interval on its customers: at most to {min(limits)}.",
            param="frozen_time",
        )


def customers_on(ctx: Context, clock: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in ctx.store.all("customer") if c.get("test_clock") == clock["id"]]


def clock_for_new_customer(ctx: Context, clock_id: str) -> dict[str, Any]:
    """The clock a new customer joins (at most three customers per clock, as on Stripe)."""
    clock = ctx.store.fetch(clock_id, "test_helpers.test_clock", param="test_clock")
    if clock.get("deleted"):
        raise errors.resource_missing("test_helpers.test_clock", clock_id, param="test_clock")
    if len(customers_on(ctx, clock)) >= MAX_CUSTOMERS:
        raise errors.invalid_request(
            f"A test clock can have at most {MAX_CUSTOMERS} customers.", param="test_clock"
        )
    return clock


def _clock(ctx: Context) -> dict[str, Any]:
    clock = ctx.store.fetch(ctx.args["id"], "test_helpers.test_clock")
    if clock.get("deleted"):
        raise errors.resource_missing("test_helpers.test_clock", clock["id"])
    return clock
