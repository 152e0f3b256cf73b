"""Control endpoints for payouts: run the scheduled payout now, step one, change settings.

POST /_emulator/payouts/run              currency=gbp   (answers the payout object)
POST /_emulator/payouts/{id}/advance     (the next step now, whatever the delay)
POST /_emulator/payouts/settings         [payout_delay=2|0|none] [availability_delay=0]
                                         [bank_account=000111111116]
"""

from __future__ import annotations

from typing import Any

from . import errors
from .context import Context
from .params import Int, Str
from .resources import payouts
from .routing import route


@route("POST", "/_emulator/payouts/run", schema={"currency": Str(required=True)})
def run_payout(ctx: Context) -> dict[str, Any]:
    """Pay out the available balance of a currency now, as the next scheduled payout would."""
    return payouts.run_automatic(ctx, ctx.params["currency"].lower())


@route("POST", "/_emulator/payouts/{id}/advance", schema={})
def advance_payout(ctx: Context) -> dict[str, Any]:
    payout = ctx.store.fetch(ctx.args["id"], "payout")
    if payout["status"] in payouts.FINAL:
        raise errors.invalid_request(f"Payout {payout['id']} is already {payout['status']}.")
    return payouts.advance(ctx, payout)


SETTINGS = {
    "payout_delay": Str(),
    "availability_delay": Int(minimum=0),
    "bank_account": Str(),
}


@route("POST", "/_emulator/payouts/settings", schema=SETTINGS)
def payout_settings(ctx: Context) -> dict[str, Any]:
    emulator, params = ctx.emulator, ctx.params
    if params.get("payout_delay") is not None:
        emulator.payout_delay = _delay(params["payout_delay"])
    if params.get("availability_delay") is not None:
        emulator.availability_delay = params["availability_delay"]
    if params.get("bank_account"):
        emulator.bank_account = params["bank_account"]
    return {
        "payout_delay": emulator.payout_delay,
        "availability_delay": emulator.availability_delay,
        "bank_account": emulator.bank_account,
    }


def _delay(value: str) -> float | None:
    if value.lower() == "none":
        return None
    try:
        delay = float(value)
    except ValueError:
        delay = -1.0
    if delay < 0:
        raise errors.invalid_request(
            "payout_delay must be a number of seconds (>= 0) or 'none'.", param="payout_delay"
        )
    return delay
