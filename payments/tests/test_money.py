"""Money: minor units, currency exponents, minimum charges and display formatting."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.money import (
    UnknownCurrency,
    exponent,
    format_money,
    major_string,
    minimum_charge,
    to_major,
    to_minor,
)


@pytest.mark.parametrize(
    ("currency", "places"), [("gbp", 2), ("usd", 2), ("jpy", 0), ("krw", 0), ("kwd", 3), ("USD", 2)]
)
def test_exponent_follows_stripe(currency, places):
    assert exponent(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (2500, "gbp", "£25.00"),
        (5, "gbp", "£0.05"),
        (1050, "usd", "$10.50"),
        (2500, "jpy", "¥2,500"),
        (1500, "kwd", "KWD1.500"),
        (123456789, "usd", "$1,234,567.89"),
        (-300, "eur", "-€3.00"),
    ],
)
def test_format_money_for_people(amount, currency, shown):
    assert format_money(amount, currency, locale="en") == shown


def test_major_and_minor_conversions_are_exact():
    assert to_major(2500, "gbp") == Decimal("25.00")
    assert major_string(2500, "jpy") == "2500"
    assert major_string(1500, "kwd") == "1.500"
    assert to_minor("25.00", "gbp") == 2500
    assert to_minor("2500", "jpy") == 2500
    assert to_minor("1.5", "kwd") == 1500


def test_to_minor_refuses_more_precision_than_the_currency_has():
    with pytest.raises(ValueError, match="decimal places"):
        to_minor("10.5", "jpy")
    with pytest.raises(ValueError, match="decimal places"):
        to_minor("0.001", "gbp")


def test_minimum_charge_per_currency():
    assert minimum_charge("gbp") == 30
    assert minimum_charge("usd") == 50
    assert minimum_charge("jpy") == 50
    assert minimum_charge("kwd") == 150


@pytest.mark.parametrize("bad", ["", "pounds", "12a", "£££"])
def test_unknown_currency_is_named(bad):
    with pytest.raises(UnknownCurrency, match="ISO 4217"):
        exponent(bad)


@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    currency=st.sampled_from(["gbp", "usd", "jpy", "kwd", "eur", "krw"]),
)
def test_minor_major_round_trip(amount, currency):
    assert to_minor(to_major(amount, currency), currency) == amount


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        *[(code, 0) for code in ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg",
                                 "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]],
        *[(code, 3) for code in ["bhd", "jod", "kwd", "omr", "tnd"]],
        ("eur", 2), ("chf", 2), ("isk", 2), ("huf", 2),
    ],
)  # fmt: skip
def test_every_zero_and_three_decimal_currency_is_pinned(currency, places):
    """Stripe's list (docs.stripe.com/currencies): a currency dropped from the table would
    charge 100 or 1000 times the amount."""
    assert exponent(currency) == places


def test_a_currency_without_a_listed_minimum_takes_stripes_default_of_fifty():
    assert minimum_charge("xyz") == 50
    assert minimum_charge("GBP") == 30
    assert (minimum_charge("krw"), minimum_charge("bhd"), minimum_charge("huf")) == (
        700,
        200,
        17500,
    )


def test_too_precise_values_name_the_currency_in_capitals():
    with pytest.raises(ValueError, match=r"^10\.5 has more than 0 decimal places for JPY\.$"):
        to_minor("10.5", "jpy")


def test_format_money_uses_the_configured_locale_when_none_is_given(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "FORMAT_LOCALE": "de_DE"}
    assert format_money(123456, "eur") == "€1.234,56"
    settings.PAYMENTS = {**settings.PAYMENTS, "FORMAT_LOCALE": "en"}
    assert format_money(123456, "eur") == "€1,234.56"


def test_format_money_uses_stripes_exponent_not_cldrs():
    """CLDR gives ISK no decimals; Stripe charges ISK in hundredths (docs.stripe.com/currencies)."""
    assert format_money(12345, "isk", locale="en") == "ISK123.45"


def test_the_emulator_and_the_app_share_stripes_currency_table():
    """Two copies (the emulator imports nothing of payments): they must say the same."""
    from payments import money as app
    from stripe_emulator import money as emulator

    assert emulator.ZERO_DECIMAL == app.ZERO_DECIMAL
    assert emulator.THREE_DECIMAL == app.THREE_DECIMAL
    assert emulator.MINIMUM_CHARGE == app.MINIMUM_CHARGE
    assert emulator.MINIMUM_CHARGE.get("xyz", 50) == app.DEFAULT_MINIMUM_CHARGE
