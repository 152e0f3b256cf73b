"""Payouts: automatic ones tied to the balance transactions they pay out, manual ones not.

An automatic payout (`POST /_emulator/payouts/run`, what Stripe's daily schedule does) pays
out every available, not yet paid out balance transaction of a currency; Stripe then lists
them, and the payout's own `payout` balance transaction, under
`GET /v1/balance_transactions?payout=po_...`. A manual payout (`POST /v1/payouts`) takes an
amount from the available balance and, as at Stripe, is tied to no transaction: filtering by
it is refused. Each payout goes `pending` -> `in_transit` -> `paid` (or `failed`, on Stripe's
failing test bank accounts) one step per `payout_delay` seconds (see `payout_clock.py`),
emitting `payout.created`, `payout.updated` and `payout.paid` / `payout.failed`.
"""

from __future__ import annotations

from typing import Any

from .. import errors, ids, money
from ..context import Context
from ..listing import paginate
from ..params import merge_metadata
from ..routing import route
from . import balance, balance_transactions

DAY = 86_400
# Stripe's test bank account numbers (docs: "Testing payouts"): the failure each one causes.
FAILING_ACCOUNTS = {
    "000111111116": ("no_account", "The bank account details on file are probably incorrect."),
    "000111111113": ("account_closed", "The bank account has been closed."),
    "000222222227": ("insufficient_funds", "The bank account has insufficient funds."),
    "000333333335": ("debit_not_authorized", "Debit transactions are not approved."),
    "000444444440": ("invalid_currency", "The bank account cannot accept this currency."),
}
SUCCEEDING_ACCOUNT = "000123456789"
FINAL = ("paid", "failed", "canceled")


def new_payout(ctx: Context, *, amount: int, currency: str, automatic: bool) -> dict[str, Any]:
    params = ctx.params if not automatic else {}
    created = ctx.now()
    payout = {
        "id": ids.new_id("po"),
        "object": "payout",
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": (created // DAY + 2) * DAY,
        "automatic": automatic,
        "balance_transaction": None,
        "created": created,
        "currency": currency,
        "description": params.get("description") or ("STRIPE PAYOUT" if automatic else None),
        "destination": "ba_" + ids.random_token(24),
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": merge_metadata({}, params.get("metadata")),
        "method": params.get("method") or "standard",
        "original_payout": None,
        "payout_method": None,
        "reconciliation_status": "in_progress" if automatic else "not_applicable",
        "reversed_by": None,
        "source_type": params.get("source_type") or "card",
        "statement_descriptor": params.get("statement_descriptor"),
        "status": "pending",
        "trace_id": {"status": "pending", "value": None},
        "type": "bank_account",
    }
    ctx.store.add(payout, bank_account=getattr(ctx.emulator, "bank_account", SUCCEEDING_ACCOUNT))
    payout["balance_transaction"] = balance_transactions.new_balance_transaction(
        ctx, amount=-amount, currency=currency, source=payout["id"], kind="payout",
        category="payout", description=payout["description"], available=True,
    )["id"]  # fmt: skip
    ctx.emit("payout.created", payout)
    return payout


def run_automatic(ctx: Context, currency: str) -> dict[str, Any]:
    """Pay out the available balance of `currency` now, as the next scheduled payout would."""
    money.check_currency(currency)
    included = balance.unpaid_available(ctx, currency)
    amount = sum(transaction["net"] for transaction in included)
    if amount <= 0:
        raise errors.invalid_request(
            f"No available {currency} balance to pay out (available: {amount}).",
            param="currency", code="balance_insufficient",
        )  # fmt: skip
    payout = new_payout(ctx, amount=amount, currency=currency, automatic=True)
    for transaction in included:
        ctx.store.meta(transaction["id"])["payout"] = payout["id"]
    ctx.store.meta(payout["balance_transaction"])["payout"] = payout["id"]
    after_create(ctx, payout)
    return payout


def after_create(ctx: Context, payout: dict[str, Any]) -> None:
    """Schedule the first step, or take every step now when the delay is 0."""
    delay = getattr(ctx.emulator, "payout_delay", None)
    ctx.store.meta(payout["id"])["due"] = None if delay is None else ctx.now() + delay
    if delay == 0:
        while payout["status"] not in FINAL:
            advance(ctx, payout)


def advance(ctx: Context, payout: dict[str, Any]) -> dict[str, Any]:
    """One step: pending -> in_transit -> paid (or failed on a failing test bank account)."""
    if payout["status"] == "pending":
        previous = ctx.changed(payout, status="in_transit")
        ctx.emit("payout.updated", payout, previous)
    elif payout["status"] == "in_transit":
        failure = FAILING_ACCOUNTS.get(ctx.store.meta(payout["id"]).get("bank_account", ""))
        if failure is None:
            _paid(ctx, payout)
        else:
            _failed(ctx, payout, *failure)
    meta = ctx.store.meta(payout["id"])
    delay = getattr(ctx.emulator, "payout_delay", None)
    meta["due"] = None if delay is None or payout["status"] in FINAL else ctx.now() + delay
    return payout


def _paid(ctx: Context, payout: dict[str, Any]) -> None:
    reconciliation = "completed" if payout["automatic"] else "not_applicable"
    trace = {"status": "supported", "value": ids.random_token(15).upper()}
    previous = ctx.changed(
        payout, status="paid", reconciliation_status=reconciliation, trace_id=trace
    )
    ctx.emit("payout.paid", payout, previous)


def _failed(ctx: Context, payout: dict[str, Any], code: str, message: str) -> None:
    """The bank refuses it: the amount returns to the available balance."""
    returned = balance_transactions.new_balance_transaction(
        ctx, amount=payout["amount"], currency=payout["currency"], source=payout["id"],
        kind="payout_failure", category="payout_reversal",
        description="Payout failure", available=True,
    )  # fmt: skip
    previous = ctx.changed(
        payout, status="failed", failure_code=code, failure_message=message,
        failure_balance_transaction=returned["id"],
        trace_id={"status": "unsupported", "value": None},
    )  # fmt: skip
    ctx.emit("payout.failed", payout, previous)


def advance_due(ctx: Context) -> list[str]:
    """Take the next step of every payout whose time has come (the clock calls this)."""
    now, moved = ctx.now(), []
    for payout in ctx.store.all("payout"):
        due = ctx.store.meta(payout["id"]).get("due")
        if payout["status"] not in FINAL and due is not None and due <= now:
            advance(ctx, payout)
            moved.append(payout["id"])
    return moved


def check_create(params: dict[str, Any]) -> None:
    money.check_currency(params.get("currency") or "")
    if params.get("amount") is None or params["amount"] <= 0:
        raise errors.invalid_request("Amount must be a positive integer.", param="amount")


@route("POST", "/v1/payouts", check=check_create)
def create_payout(ctx: Context) -> dict[str, Any]:
    """A manual payout from the available balance (not tied to any balance transaction)."""
    currency, amount = ctx.params["currency"], ctx.params["amount"]
    available = balance.totals(ctx).get(currency, {}).get("available", 0)
    if amount > available:
        raise errors.invalid_request(
            "You have insufficient funds in your Stripe account for this transfer. Your "
            f"available {currency} balance is {available}.", code="balance_insufficient",
        )  # fmt: skip
    payout = new_payout(ctx, amount=amount, currency=currency, automatic=False)
    after_create(ctx, payout)
    return payout


@route("GET", "/v1/payouts/{id}")
def retrieve_payout(ctx: Context) -> dict[str, Any]:
    return ctx.store.fetch(ctx.args["id"], "payout")


@route("GET", "/v1/payouts")
def list_payouts(ctx: Context) -> dict[str, Any]:
    status = ctx.params.get("status")
    rows = [p for p in ctx.store.all("payout") if status in (None, p["status"])]
    return paginate(ctx.store, rows, ctx.params, "/v1/payouts", "payout")
