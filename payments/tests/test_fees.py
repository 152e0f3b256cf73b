"""Platform fees: the fee rules and the split of an amount into fee and payee share."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.fees import (
    NO_FEE,
    InvalidFeePolicy,
    fee_rule_for,
    fee_split,
    parse_fee_policy,
    parse_fee_rule,
)
from payments.money import THREE_DECIMAL, ZERO_DECIMAL, minimum_charge
from payments.testing.factories import PaymentSessionFactory

CURRENCIES = sorted({"gbp", "usd", "eur", *ZERO_DECIMAL, *THREE_DECIMAL})

percentages = st.decimals(min_value=0, max_value=100, places=2).map(lambda d: d.normalize())
rules = st.builds(
    lambda percent, fixed: f"{percent:f}%" + (f"+{fixed}" if fixed else ""),
    percentages,
    st.integers(min_value=0, max_value=5000),
)
amounts = st.integers(min_value=1, max_value=99_999_999)


@given(amount=amounts, currency=st.sampled_from(CURRENCIES), rule=rules)
def test_split_always_adds_up_and_stays_within_the_amount(amount, currency, rule):
    split = fee_split(amount=amount, currency=currency, rule=parse_fee_rule(rule))

    assert split.platform_fee + split.payee_amount == amount
    assert 0 <= split.platform_fee <= amount
    assert 0 <= split.payee_amount <= amount
    assert isinstance(split.platform_fee, int) and isinstance(split.payee_amount, int)


@given(amount=amounts, percent=percentages, fixed=st.integers(min_value=0, max_value=5000))
def test_percentage_part_is_rounded_half_up_then_fixed_added_then_capped(amount, percent, fixed):
    rule = parse_fee_rule(f"{percent:f}%+{fixed}")
    exact = Decimal(amount) * percent / 100
    expected = min(amount, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)) + fixed)

    assert rule.fee_for(amount) == expected


@given(small=amounts, extra=st.integers(min_value=0, max_value=10_000), rule=rules)
def test_a_larger_amount_never_has_a_smaller_fee(small, extra, rule):
    parsed = parse_fee_rule(rule)
    assert parsed.fee_for(small) <= parsed.fee_for(small + extra)


@pytest.mark.parametrize(
    ("rule", "amount", "fee"),
    [
        ("10%", 2500, 250),
        ("15%", 2500, 375),
        ("10%", 5, 1),  # 0.5 rounds up
        ("10%", 4, 0),  # 0.4 rounds down
        ("2.5%+30", 1000, 55),
        ("2.5%+30", 20, 20),  # capped at the amount
        ("30", 1000, 30),
        ("0%", 1000, 0),
        ("100%", 999, 999),
        ("12.3456%", 10_000, 1235),  # 1234.56
    ],
)
def test_documented_examples(rule, amount, fee):
    assert parse_fee_rule(rule).fee_for(amount) == fee


def test_zero_decimal_currency_splits_whole_yen():
    split = fee_split(amount=1005, currency="JPY", rule=parse_fee_rule("15%"))
    assert (split.platform_fee, split.payee_amount, split.currency) == (151, 854, "jpy")


@pytest.mark.parametrize("bad", ["", "ten percent", "101%", "-5%", "10%%", "1.23456%", 10, None])
def test_bad_rules_are_refused_with_an_explanation(bad):
    with pytest.raises(InvalidFeePolicy, match=r"fee rule|percentage"):
        parse_fee_rule(bad)


def test_policy_by_payable_type():
    policy = parse_fee_policy({"default": "10%", "job": "15%"})
    assert policy["job"].fee_for(1000) == 150
    assert policy["default"].fee_for(1000) == 100

    with pytest.raises(InvalidFeePolicy, match="Payable type 'job'"):
        parse_fee_policy({"default": "10%", "job": "lots"})
    with pytest.raises(InvalidFeePolicy):
        parse_fee_policy({})


def test_client_policy_wins_over_the_global_one_then_defaults_apply():
    global_policy = {"default": "10%", "job": "15%"}

    assert fee_rule_for(payable_type="job", policies=[None, global_policy]).text == "15%"
    assert fee_rule_for(payable_type="lesson", policies=[None, global_policy]).text == "10%"
    assert fee_rule_for(payable_type="job", policies=["5%", global_policy]).text == "5%"
    client = {"lesson": "12%"}
    assert fee_rule_for(payable_type="lesson", policies=[client, global_policy]).text == "12%"
    assert fee_rule_for(payable_type="job", policies=[client, global_policy]).text == "15%"
    assert fee_rule_for(payable_type="job", policies=[]) == NO_FEE


@pytest.mark.django_db
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(currency=st.sampled_from(CURRENCIES), extra=amounts, rule=rules)
def test_the_database_accepts_every_split_and_refuses_one_that_does_not_add_up(
    currency, extra, rule
):
    amount = minimum_charge(currency) + extra
    split = fee_split(amount=amount, currency=currency, rule=parse_fee_rule(rule))
    session = PaymentSessionFactory(
        amount=amount,
        currency=currency,
        platform_fee=split.platform_fee,
        payee_amount=split.payee_amount,
    )
    assert session.pk

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentSessionFactory(
            amount=amount,
            currency=currency,
            platform_fee=split.platform_fee,
            payee_amount=split.payee_amount + 1,
        )


def test_system_check_reports_an_invalid_fee_policy(settings):
    from payments.checks import check_marketplace_settings

    settings.PAYMENTS = {**settings.PAYMENTS, "PLATFORM_FEE": {"default": "ten"}}
    messages = check_marketplace_settings(None)
    assert [m.id for m in messages] == ["payments.E007"]
    assert "Payable type 'default'" in messages[0].msg


def test_a_negative_amount_is_refused_by_the_rule():
    with pytest.raises(ValueError, match=r"^amount must not be negative$"):
        parse_fee_rule("10%").fee_for(-1)


def test_a_zero_amount_splits_into_zero_and_zero():
    split = fee_split(amount=0, currency="gbp", rule=parse_fee_rule("10%+30"))
    assert (split.amount, split.platform_fee, split.payee_amount, split.rule) == (0, 0, 0, "10%+30")


@pytest.mark.parametrize("bad", [{}, [], 10, None])
def test_a_policy_that_is_neither_a_rule_nor_rules_by_type_is_explained(bad):
    with pytest.raises(InvalidFeePolicy) as raised:
        parse_fee_policy(bad)
    assert str(raised.value) == (
        "A fee policy is a rule such as '10%', or a non-empty object of rules by payable "
        'type such as {"default": "10%", "job": "15%"}.'
    )


def test_an_empty_or_missing_policy_is_skipped_and_the_next_one_applies():
    assert fee_rule_for(payable_type="job", policies=["", "7%"]).text == "7%"
    assert fee_rule_for(payable_type="job", policies=[None, ""]) == NO_FEE


@pytest.mark.parametrize("bad", [-1, 1.5, True, "100"])
def test_a_split_of_anything_but_a_non_negative_integer_is_refused(bad):
    message = f"amount must be a non-negative integer of minor units, not {bad!r}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fee_split(amount=bad, currency="gbp", rule=NO_FEE)
