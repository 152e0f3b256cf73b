"""Destination charges (Stripe Connect): what a charge with `transfer_data` sets in motion.

As at Stripe: the charge's amount (or `transfer_data[amount]`) is transferred to the
destination account, then `application_fee_amount` is collected back from it as an
application fee. A refund with `reverse_transfer` / `refund_application_fee` reverses the
transfer and refunds the fee in proportion to the amount refunded; proportions are rounded
half up on the cumulative refunded amount, so a charge refunded in parts ends fully reversed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import errors
from ..context import Context
from . import accounts, application_fees, transfers


def check_destination(
    ctx: Context, params: dict[str, Any], amount: int | None, prefix: str = ""
) -> None:
    """Stripe's checks on `transfer_data` / `application_fee_amount` at creation; `prefix`
    names where they were nested (`subscription_data`) in the errors' `param`."""
    transfer_data = params.get("transfer_data") or {}
    fee = params.get("application_fee_amount")
    destination = transfer_data.get("destination")
    if destination:
        account = ctx.store.get(destination)
        if account is None or account.get("object") != "account":
            raise errors.invalid_request(
                f"No such destination: '{destination}'",
                param=_nested(prefix, "transfer_data[destination]"),
            )
        if not accounts.can_receive_transfers(account):
            raise errors.invalid_request(
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param=_nested(prefix, "transfer_data[destination]"),
                code="insufficient_capabilities_for_transfer",
            )
    if fee is not None and transfer_data.get("amount") is not None:
        raise errors.invalid_request(
            "You cannot specify both application_fee_amount and transfer_data[amount].",
            param="application_fee_amount",
        )
    if fee is not None and amount is not None and fee > amount:
        raise errors.invalid_request(
            "The application fee cannot be greater than the charge amount.",
            param="application_fee_amount",
        )


def _nested(prefix: str, param: str) -> str:
    if not prefix:
        return param
    head, bracket, rest = param.partition("[")
    return f"{prefix}[{head}]{bracket}{rest}"


def check_fee_percent(params: dict[str, Any], prefix: str = "") -> None:
    """A subscription's Connect terms: `application_fee_percent`, a decimal from 0 to 100
    with at most two places (`""` unsets it), and `transfer_data` without `amount_percent`
    (not emulated: the whole invoice total is transferred)."""
    if (params.get("transfer_data") or {}).get("amount_percent") is not None:
        raise errors.invalid_request(
            "The emulator does not support transfer_data[amount_percent] (the whole invoice "
            "total is transferred; use application_fee_percent).",
            param=_nested(prefix, "transfer_data[amount_percent]"),
        )
    percent = params.get("application_fee_percent")
    param = _nested(prefix, "application_fee_percent")
    if percent in (None, ""):
        return
    exponent = Decimal(str(percent)).as_tuple().exponent
    if not 0 <= percent <= 100 or not isinstance(exponent, int) or exponent < -2:
        raise errors.invalid_request(
            "application_fee_percent must be a decimal between 0 and 100 with at most two "
            "decimal places.",
            param=param,
        )


def fee_of_percent(amount: int, percent: float | str | None) -> int | None:
    """The application fee `percent` of `amount` makes: rounded half up to a minor unit, in
    integers (the percent as hundredths, exact for two decimal places)."""
    if percent in (None, ""):
        return None
    return share(amount, round(percent * 100), 10000)


def pay_destination(ctx: Context, charge: dict[str, Any]) -> None:
    """After capture: the transfer to the destination and the application fee back."""
    transfer_data = charge.get("transfer_data")
    if not transfer_data or charge.get("transfer"):
        return
    amount = transfer_data.get("amount")
    transfer = transfers.new_transfer(
        ctx, charge, charge["amount_captured"] if amount is None else amount
    )
    charge["transfer"] = transfer["id"]
    if charge.get("application_fee_amount"):
        fee = application_fees.new_application_fee(ctx, charge, charge["application_fee_amount"])
        charge["application_fee"] = fee["id"]


def check_reversal(charge: dict[str, Any], params: dict[str, Any]) -> None:
    """`reverse_transfer` only makes sense for a destination charge (checked before refunding)."""
    if params.get("reverse_transfer") and not charge.get("transfer"):
        raise errors.invalid_request(
            "You cannot reverse the transfer of a charge that has no destination.",
            param="reverse_transfer",
        )


def share(total: int, part: int, whole: int) -> int:
    """`total * part / whole`, rounded half up, in integers."""
    return (2 * total * part + whole) // (2 * whole)


def reverse_for_refund(
    ctx: Context, charge: dict[str, Any], refund: dict[str, Any], params: dict[str, Any]
) -> None:
    """Reverse the transfer / refund the application fee in proportion to this refund."""
    refunded_after = charge["amount_refunded"] + refund["amount"]
    whole = charge["amount_captured"]
    if params.get("reverse_transfer") and charge.get("transfer"):
        transfer = ctx.store.fetch(charge["transfer"], "transfer")
        amount = share(transfer["amount"], refunded_after, whole) - transfer["amount_reversed"]
        if amount > 0:
            reversal = transfers.reverse(ctx, transfer, amount, refund["id"])
            refund["transfer_reversal"] = reversal["id"]
    if params.get("refund_application_fee") and charge.get("application_fee"):
        fee = ctx.store.fetch(charge["application_fee"], "application_fee")
        amount = share(fee["amount"], refunded_after, whole) - fee["amount_refunded"]
        if amount > 0:
            application_fees.refund_fee(ctx, fee, amount)
