"""Currencies, Stripe's minimum charge amounts and fees, all in integer minor units."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from .errors import invalid_request

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

# https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
    "kwd": 150, "bhd": 200, "jod": 400, "omr": 200, "krw": 700,
}  # fmt: skip
MAXIMUM_CHARGE = 99_999_999

SUPPORTED = (
    frozenset(MINIMUM_CHARGE)
    | ZERO_DECIMAL
    | THREE_DECIMAL
    | frozenset(
        [
            "ars",
            "cop",
            "egp",
            "idr",
            "ils",
            "isk",
            "kes",
            "krw",
            "mad",
            "ngn",
            "php",
            "pkr",
            "qar",
            "sar",
            "try",
            "twd",
            "uah",
            "vnd",
            "zar",
        ]
    )
)

SYMBOLS = {"usd": "$", "gbp": "£", "eur": "€", "jpy": "¥", "aud": "A$", "cad": "CA$"}

# (percent, fixed minor units) of Stripe's standard card pricing, per currency.
CARD_FEES = {
    "gbp": (Decimal("1.5"), 20),
    "eur": (Decimal("1.5"), 25),
    "usd": (Decimal("2.9"), 30),
    "jpy": (Decimal("3.6"), 0),
}
DEFAULT_CARD_FEE = (Decimal("2.9"), 30)
DISPUTE_FEES = {"gbp": 2000, "usd": 1500, "eur": 2000}
DEFAULT_DISPUTE_FEE = 1500


def exponent(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def format_amount(amount: int, currency: str) -> str:
    """`£25.00`, `¥2,500`, `25.00 CHF`: for messages and the hosted page only."""
    places = exponent(currency)
    value = Decimal(amount).scaleb(-places)
    text = f"{value:,.{places}f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def processing_fee(amount: int, currency: str) -> int:
    percent, fixed = CARD_FEES.get(currency, DEFAULT_CARD_FEE)
    variable = (Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(variable) + fixed


def dispute_fee(currency: str) -> int:
    return DISPUTE_FEES.get(currency, DEFAULT_DISPUTE_FEE)


def check_currency(currency: str, param: str = "currency") -> None:
    if not re.fullmatch(r"[a-z]{3}", currency or ""):
        raise invalid_request(
            f"Invalid currency: {currency}. Currencies are three lowercase letters, e.g. usd.",
            param=param,
        )
    if currency not in SUPPORTED:
        raise invalid_request(
            f"Invalid currency: {currency}. Stripe (as emulated) does not support it.",
            param=param,
        )


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    """Stripe's rules: a positive integer, at least the currency's minimum, at most 8 digits."""
    if amount <= 0:
        raise invalid_request(
            "This value must be greater than or equal to 1.", param=param, code="amount_too_small"
        )
    minimum = MINIMUM_CHARGE.get(currency, 50)
    if amount < minimum:
        raise invalid_request(
            f"Amount must be at least {format_amount(minimum, currency)} {currency}",
            param=param,
            code="amount_too_small",
        )
    if amount > MAXIMUM_CHARGE:
        raise invalid_request(
            f"Amount must be no more than {format_amount(MAXIMUM_CHARGE, currency)}",
            param=param,
            code="amount_too_large",
        )
