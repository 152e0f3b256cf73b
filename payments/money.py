"""Money as integer minor units plus a lowercase ISO 4217 currency: exponents, minimums, display.

Pure functions. The exponents are Stripe's, which differ from ISO 4217 for a few currencies.
"""

from decimal import Decimal

from babel.numbers import format_currency

# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()  # noqa: SIM905
)
# https://docs.stripe.com/currencies#three-decimal
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())  # noqa: SIM905

# Stripe's minimum charge amounts, in minor units (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500,
    "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50, "mxn": 1000,
    "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000,
    "kwd": 150, "bhd": 200, "jod": 400, "omr": 200, "krw": 700,
}  # fmt: skip
DEFAULT_MINIMUM_CHARGE = 50


class UnknownCurrency(ValueError):
    pass


def normalize_currency(currency: str) -> str:
    """Lowercase a three-letter currency code, or raise ``UnknownCurrency``."""
    code = (currency or "").strip().lower()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise UnknownCurrency(f"'{currency}' is not a three-letter ISO 4217 currency code.")
    return code


def exponent(currency: str) -> int:
    """How many decimal places Stripe uses for ``currency`` (0, 2 or 3)."""
    code = normalize_currency(currency)
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def minimum_charge(currency: str) -> int:
    """Stripe's smallest chargeable amount for ``currency``, in minor units."""
    return MINIMUM_CHARGE.get(normalize_currency(currency), DEFAULT_MINIMUM_CHARGE)


def to_major(amount: int, currency: str) -> Decimal:
    """``2500, "gbp"`` → ``Decimal("25.00")``; exact, never a float."""
    places = exponent(currency)
    return (Decimal(amount) / (Decimal(10) ** places)).quantize(Decimal(1).scaleb(-places))


def to_minor(value: Decimal | str | int, currency: str) -> int:
    """``"25.00", "gbp"`` → ``2500``. Refuses a value with more precision than the currency."""
    places = exponent(currency)
    scaled = Decimal(value).scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimal places for {currency.upper()}.")
    return int(scaled)


def major_string(amount: int, currency: str) -> str:
    """``2500, "gbp"`` → ``"25.00"``: the plain decimal string used in CSV exports."""
    return str(to_major(amount, currency))


def format_money(amount: int, currency: str, locale: str | None = None) -> str:
    """For people: 2500 gbp → ``£25.00``, 2500 jpy → ``¥2,500``, 1500 kwd → ``KWD1.500``."""
    if locale is None:
        from payments.conf import payments_settings

        locale = payments_settings.FORMAT_LOCALE
    places = exponent(currency)
    # For 0 places "¤#,##0." renders as "¤#,##0" does, so that mutant is equivalent.
    pattern = "¤#,##0" + ("." + "0" * places if places else "")  # pragma: no mutate
    return format_currency(
        to_major(amount, currency),
        currency.upper(),
        format=pattern,
        locale=locale,
        currency_digits=False,
    )
