"""The billing engine: subscription periods, renewals, retries, trials and scheduled cancels.

What Stripe Billing does on its own as time passes, run when a test clock advances
(`test_clocks.py`) and, for the first invoice, when a subscription is created. Every step runs
at the instant it is due (`ctx.clock_time`), oldest first, and emits Stripe's events:

- renewal at a period end: customer.subscription.updated (new period), invoice.created,
  payment_intent.created, invoice.finalized, then charge.succeeded, payment_intent.succeeded,
  invoice_payment.paid, invoice.paid, invoice.payment_succeeded; or charge.failed,
  payment_intent.payment_failed, invoice.payment_failed, customer.subscription.updated
  (past_due). Stripe finalises an hour after creating; the emulator does it at once.
- retries ("Smart Retries", a fixed schedule here): `RETRY_DAYS` after the first failure,
  then the subscription is canceled (Stripe's default) or marked `unpaid`
  (`StripeEmulator(failed_renewals="unpaid")`).
- invoice.upcoming (an invoice preview without an id) `UPCOMING_RENEWAL_DAYS` before each
  renewal or trial end, once per period; none when the subscription is set to end first.
- a renewal charged to a card that needs 3-D Secure: payment_intent.requires_action,
  invoice.payment_action_required, invoice.payment_failed (past_due, retries) until the
  customer authenticates on the invoice's page.
- trials: customer.subscription.trial_will_end three days before `trial_end`; at `trial_end`
  the first paid period starts (or, with no payment method and
  `trial_settings[end_behavior][missing_payment_method]=pause`, the subscription pauses).
- an `incomplete` subscription whose first invoice is unpaid after 23 hours expires.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

from .context import Context
from .resources import invoices
from .store import public

DAY = 86_400
RETRY_DAYS = (3, 5, 7)
TRIAL_WILL_END = 3 * DAY
# Stripe's Dashboard setting "Send upcoming renewal events" (days before the renewal);
# `StripeEmulator(upcoming_renewal_days=0)` sends none.
UPCOMING_RENEWAL_DAYS = 7
INCOMPLETE_EXPIRES = 23 * 3600
LIVE = ("trialing", "active", "past_due", "unpaid")


def add_intervals(anchor: int, interval: str, count: int, times: int) -> int:
    """`anchor` moved forward `times` * `count` intervals, months clamped as Stripe does
    (a subscription anchored on the 31st renews on the last day of shorter months)."""
    if interval in ("day", "week"):
        return anchor + times * count * (DAY if interval == "day" else 7 * DAY)
    months = times * count * (12 if interval == "year" else 1)
    start = datetime.fromtimestamp(anchor, UTC)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return int(start.replace(year=year, month=month + 1, day=day).timestamp())


def recurring(subscription: dict[str, Any]) -> dict[str, Any]:
    return subscription["items"]["data"][0]["price"]["recurring"]


def period(subscription: dict[str, Any]) -> tuple[int, int]:
    item = subscription["items"]["data"][0]
    return item["current_period_start"], item["current_period_end"]


def set_period(subscription: dict[str, Any], start: int) -> tuple[int, int]:
    """Start a new period at `start`, ending at the next billing date counted from the
    subscription's `billing_cycle_anchor` (so month ends do not drift)."""
    plan = recurring(subscription)
    anchor, times = subscription["billing_cycle_anchor"], 1
    while (end := add_intervals(anchor, plan["interval"], plan["interval_count"], times)) <= start:
        times += 1
    for item in subscription["items"]["data"]:
        item.update(current_period_start=start, current_period_end=end)
    return start, end


def bill_period(ctx: Context, subscription: dict[str, Any], reason: str) -> dict[str, Any]:
    """Invoice the current period, finalise it; charge it unless `reason` is the first invoice
    of a `default_incomplete` subscription (the customer pays it with the client secret)."""
    start, end = period(subscription)
    trial = subscription["status"] == "trialing"
    lines = [_line(subscription, item, start, end, trial) for item in subscription["items"]["data"]]
    invoice = invoices.new_invoice(ctx, subscription, reason, (start, end), lines)
    subscription["latest_invoice"] = invoice["id"]
    if subscription["status"] == "unpaid":
        return invoice  # Stripe leaves an unpaid subscription's new invoices as drafts
    invoices.finalize(ctx, invoice)
    return invoice


def _line(subscription: dict, item: dict, start: int, end: int, trial: bool) -> dict:
    row = invoices.line(subscription, item, start, end)
    if trial:
        row.update(amount=0, subtotal=0, description=f"Trial period for {_product_name(item)}")
    return row


def _product_name(item: dict[str, Any]) -> str:
    return str(item["price"].get("nickname") or item["price"]["product"])


def collect(
    ctx: Context, invoice: dict[str, Any], *, off_session: bool = True, authenticated: bool = False
) -> Any:
    """Charge an open invoice to the default payment method; the card error, if declined.
    `authenticated`: the customer is present and passes 3-D Secure (hosted Checkout).
    `off_session`: Stripe collects on its own; a card that needs 3-D Secure then waits for
    the customer (`invoices.charge`)."""
    if invoice["status"] != "open":
        return None
    method = invoices.default_payment_method(ctx, invoice)
    return invoices.charge(
        ctx, invoice, method, off_session=off_session, authenticated=authenticated,
        automatic=off_session,
    )  # fmt: skip


def set_status(ctx: Context, subscription: dict[str, Any], status: str, **changes: Any) -> None:
    previous = ctx.changed(subscription, status=status, **changes)
    if previous:
        ctx.emit("customer.subscription.updated", subscription, previous)


def end(ctx: Context, subscription: dict[str, Any], reason: str) -> None:
    """The subscription is canceled now (customer.subscription.deleted)."""
    now = ctx.now()
    details = {**subscription["cancellation_details"], "reason": reason}
    subscription.update(status="canceled", ended_at=now, cancellation_details=details,
                        canceled_at=subscription["canceled_at"] or now)  # fmt: skip
    ctx.emit("customer.subscription.deleted", subscription)


def failed_renewals(ctx: Context) -> str:
    return getattr(ctx.emulator, "failed_renewals", "cancel")


def _subscription_of(ctx: Context, invoice: dict[str, Any]) -> dict[str, Any] | None:
    return ctx.store.get(invoices.subscription_of(invoice) or "")


def _on_invoice(ctx: Context, invoice: dict[str, Any], outcome: str) -> None:
    """Invoice outcomes move the subscription (registered with `invoices.LISTENERS`)."""
    subscription = _subscription_of(ctx, invoice)
    if subscription is None:
        return
    renewal = invoice["billing_reason"] != "subscription_create"
    if outcome == "failed" and renewal:
        meta = ctx.store.meta(invoice["id"])
        first = meta.setdefault("first_failure", ctx.now())
        tries = invoice["attempt_count"]
        invoice["next_payment_attempt"] = (
            first + RETRY_DAYS[tries - 1] * DAY if tries <= len(RETRY_DAYS) else None
        )
    elif outcome == "failed_after" and renewal and subscription["status"] in LIVE:
        if invoice["next_payment_attempt"] is None:
            _retries_exhausted(ctx, subscription)
        elif subscription["status"] in ("active", "trialing"):
            set_status(ctx, subscription, "past_due")
    elif outcome == "paid":
        _save_payment_method(ctx, subscription, invoice)
        if subscription["status"] in ("incomplete", "past_due", "unpaid"):
            set_status(ctx, subscription, "active")


invoices.LISTENERS.append(_on_invoice)


def _save_payment_method(ctx: Context, subscription: dict, invoice: dict) -> None:
    """`payment_settings[save_default_payment_method]=on_subscription`: the card that paid
    becomes the subscription's default (set silently: the status change reports it)."""
    if subscription["payment_settings"]["save_default_payment_method"] != "on_subscription":
        return
    intent = invoices.payment_intent_of(ctx, invoice)
    if intent is not None and intent["payment_method"]:
        subscription["default_payment_method"] = intent["payment_method"]


def _retries_exhausted(ctx: Context, subscription: dict[str, Any]) -> None:
    if failed_renewals(ctx) == "unpaid":
        set_status(ctx, subscription, "unpaid")
    else:
        end(ctx, subscription, "payment_failed")


# The engine: what is due, and doing it.


def next_due(ctx: Context, subscription: dict[str, Any]) -> tuple[int, str] | None:
    """The next scheduled step of a subscription: (when, what), or None."""
    status, meta = subscription["status"], ctx.store.meta(subscription["id"])
    steps: list[tuple[int, str]] = []
    if status == "incomplete":
        steps.append((subscription["created"] + INCOMPLETE_EXPIRES, "expire"))
    if status == "trialing":
        if not meta.get("trial_will_end_sent") and subscription["trial_end"] - TRIAL_WILL_END > (
            subscription["trial_start"] or 0
        ):
            steps.append((subscription["trial_end"] - TRIAL_WILL_END, "trial_will_end"))
        steps.append((subscription["trial_end"], "trial_end"))
    elif status in ("active", "past_due", "unpaid"):
        cancel_at = subscription["cancel_at"]
        if cancel_at is not None:
            steps.append((cancel_at, "cancel"))
        steps.append((period(subscription)[1], "renew"))
    if status in ("trialing", "active", "past_due"):
        steps.extend(_upcoming_step(ctx, subscription))
    if status in ("past_due", "active"):
        for invoice in ctx.store.all("invoice"):
            due = invoice["next_payment_attempt"]
            if (
                due
                and invoice["status"] == "open"
                and _subscription_of(ctx, invoice) is subscription
            ):
                steps.append((due, "retry:" + invoice["id"]))
    return min(steps) if steps else None


def _renews_at(subscription: dict[str, Any]) -> int:
    if subscription["status"] == "trialing":
        return subscription["trial_end"]
    return period(subscription)[1]


def _upcoming_step(ctx: Context, subscription: dict[str, Any]) -> list[tuple[int, str]]:
    """invoice.upcoming `upcoming_renewal_days` before the next invoice, once per period;
    none for a period shorter than the notice, nor when the subscription ends instead."""
    days = getattr(ctx.emulator, "upcoming_renewal_days", UPCOMING_RENEWAL_DAYS)
    renews_at = _renews_at(subscription)
    cancel_at = subscription["cancel_at"]
    started = subscription["trial_start"] if subscription["status"] == "trialing" else None
    start = started or period(subscription)[0]
    when = renews_at - days * DAY
    if (
        not days
        or when <= start
        or (cancel_at is not None and cancel_at <= renews_at)
        or ctx.store.meta(subscription["id"]).get("upcoming_sent_for") == renews_at
    ):
        return []
    return [(when, "upcoming")]


def _send_upcoming(ctx: Context, subscription: dict[str, Any]) -> None:
    renews_at = _renews_at(subscription)
    ctx.store.meta(subscription["id"])["upcoming_sent_for"] = renews_at
    plan = recurring(subscription)
    end = add_intervals(renews_at, plan["interval"], plan["interval_count"], 1)
    lines = [invoices.line(subscription, item, renews_at, end)
             for item in subscription["items"]["data"]]  # fmt: skip
    ctx.emit("invoice.upcoming", invoices.upcoming(ctx, subscription, (renews_at, end), lines))


def run_step(ctx: Context, subscription: dict[str, Any], step: str) -> None:
    if step == "upcoming":
        _send_upcoming(ctx, subscription)
    elif step == "expire":
        invoice = ctx.store.get(subscription["latest_invoice"] or "")
        if invoice is not None and invoice["status"] == "open":
            invoices.void(ctx, invoice)
        set_status(ctx, subscription, "incomplete_expired", ended_at=ctx.now())
    elif step == "trial_will_end":
        ctx.store.meta(subscription["id"])["trial_will_end_sent"] = True
        ctx.emit("customer.subscription.trial_will_end", subscription)
    elif step == "trial_end":
        _end_trial(ctx, subscription)
    elif step == "cancel":
        end(ctx, subscription, "cancellation_requested")
    elif step == "renew":
        renew(ctx, subscription)
    elif step.startswith("retry:"):
        invoice = ctx.store.fetch(step.removeprefix("retry:"), "invoice")
        invoice["next_payment_attempt"] = None
        collect(ctx, invoice)


def renew(
    ctx: Context, subscription: dict[str, Any], *, reason: str = "subscription_cycle"
) -> None:
    old_items = public(subscription["items"])
    set_period(subscription, ctx.now())
    ctx.emit("customer.subscription.updated", subscription, {"items": old_items})
    invoice = bill_period(ctx, subscription, reason)
    collect(ctx, invoice)


def _end_trial(ctx: Context, subscription: dict[str, Any]) -> None:
    behavior = subscription["trial_settings"]["end_behavior"]["missing_payment_method"]
    customer = ctx.store.get(subscription["customer"]) or {}
    has_method = subscription["default_payment_method"] or (
        customer.get("invoice_settings") or {}
    ).get("default_payment_method")
    if not has_method and behavior == "cancel":
        end(ctx, subscription, "cancellation_requested")
        return
    if not has_method and behavior == "pause":
        set_status(ctx, subscription, "paused", pause_collection=None)
        ctx.emit("customer.subscription.paused", subscription)
        return
    old_items = public(subscription["items"])
    set_period(subscription, ctx.now())
    subscription["status"] = "active"
    ctx.emit("customer.subscription.updated", subscription,
             {"status": "trialing", "items": old_items})  # fmt: skip
    collect(ctx, bill_period(ctx, subscription, "subscription_cycle"))


def advance(ctx: Context, customer_ids: set[str], until: int) -> None:
    """Run every step due up to `until` for the subscriptions of these customers, in order."""
    for _ in range(10_000):  # a guard: a clock advance covers at most a few thousand steps
        due = [
            (step, ctx.store.meta(sub["id"])["seq"], sub)
            for sub in ctx.store.all("subscription")
            if sub["customer"] in customer_ids and (step := next_due(ctx, sub)) is not None
        ]
        due = [entry for entry in due if entry[0][0] <= until]
        if not due:
            return
        (when, step), _, subscription = min(due, key=lambda entry: entry[:2])
        ctx.clock_time = max(when, ctx.clock_time or when)
        run_step(ctx, subscription, step)
