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
