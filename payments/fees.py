"""The marketplace fee policy: how much of a payment the platform keeps. Pure functions.

A *rule* is a percentage with an optional fixed part in the payment's minor units:
``"10%"``, ``"2.5%+30"``, ``"30"`` (fixed only), ``"0%"``. A *policy* is a rule, or a dict of
rules by payable type with an optional ``"default"``: ``{"default": "10%", "job": "15%"}``.

The one rounding rule: the percentage part is computed exactly in integers and rounded half up
to a whole minor unit; the fixed part is added; the fee is capped at the amount. The payee gets
the rest, so ``platform_fee + payee_amount == amount`` always (a database constraint too).
The fixed part is in the payment currency's minor units: ``+30`` is 30p in GBP and ¥30 in JPY.

Which rule applies (first match wins): the API client's policy for the payable type, the API
client's default, the global policy (``PAYMENTS["PLATFORM_FEE"]``) for the payable type, the
global default, and finally no fee.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from payments.money import normalize_currency

_RULE = re.compile(r"^(?:(?P<percent>\d{1,3}(?:\.\d{1,4})?)\s*%)?\s*(?:\+?\s*(?P<fixed>\d{1,9}))?$")
DEFAULT_KEY = "default"


class InvalidFeePolicy(ValueError):
    """A fee rule or policy that cannot be parsed; the message says what is wrong."""


@dataclass(frozen=True)
class FeeRule:
    """``numerator / denominator`` of the amount, plus ``fixed`` minor units."""

    numerator: int
    denominator: int
    fixed: int
    text: str

    def fee_for(self, amount: int) -> int:
        """The platform's fee on ``amount`` minor units (see the module docstring)."""
        if amount < 0:
            raise ValueError("amount must not be negative")
        # Round half up: floor(x + 1/2) with x = amount * numerator / denominator.
        percentage = (2 * amount * self.numerator + self.denominator) // (2 * self.denominator)
        return min(amount, percentage + self.fixed)


NO_FEE = FeeRule(numerator=0, denominator=1, fixed=0, text="0%")


@dataclass(frozen=True)
class FeeSplit:
    amount: int
    currency: str
    platform_fee: int
    payee_amount: int
    rule: str


def parse_fee_rule(text: Any) -> FeeRule:
    """``"2.5%+30"`` → the rule; raises ``InvalidFeePolicy`` naming the problem."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidFeePolicy(
            f"A fee rule must be a string such as '10%' or '2.5%+30', not {text!r}."
        )
    match = _RULE.match(text.strip())
    if match is None or not (match["percent"] or match["fixed"]):
        raise InvalidFeePolicy(
            f"'{text}' is not a fee rule: use a percentage with at most 4 decimals and an "
            "optional fixed part in minor units, e.g. '10%', '2.5%+30' or '30'."
        )
    percent = Decimal(match["percent"] or "0")  # the regex lets only digits and one dot through
    if percent > 100:
        raise InvalidFeePolicy(f"'{text}': the percentage must be between 0% and 100%.")
    _sign, digits, exponent = percent.as_tuple()
    places = max(0, -int(exponent))
    numerator = int("".join(map(str, digits)))
    return FeeRule(
        numerator=numerator,
        denominator=100 * 10**places,
        fixed=int(match["fixed"] or 0),
        text=text.strip(),
    )


def parse_fee_policy(policy: Any) -> dict[str, FeeRule]:
    """A policy (a rule, or rules by payable type) as ``{payable_type or "default": rule}``."""
    if isinstance(policy, str):
        return {DEFAULT_KEY: parse_fee_rule(policy)}
    if not isinstance(policy, dict) or not policy:
        raise InvalidFeePolicy(
            "A fee policy is a rule such as '10%', or a non-empty object of rules by payable "
            'type such as {"default": "10%", "job": "15%"}.'
        )
    rules = {}
    for payable_type, rule in policy.items():
        try:
            rules[str(payable_type)] = parse_fee_rule(rule)
        except InvalidFeePolicy as error:
            raise InvalidFeePolicy(f"Payable type '{payable_type}': {error}") from None
    return rules


def fee_rule_for(*, payable_type: str, policies: list[Any]) -> FeeRule:
    """The rule for ``payable_type`` from ``policies``, most specific owner first (the API
    client's, then the global one); ``None`` entries are skipped."""
    parsed = [parse_fee_policy(policy) for policy in policies if policy not in (None, "")]
    for rules in parsed:
        for key in (payable_type, DEFAULT_KEY):
            if key in rules:
                return rules[key]
    return NO_FEE


def fee_split(*, amount: int, currency: str, rule: FeeRule) -> FeeSplit:
    """Split ``amount`` between the platform and the payee."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"amount must be a non-negative integer of minor units, not {amount!r}")
    platform_fee = rule.fee_for(amount)
    return FeeSplit(
        amount=amount,
        currency=normalize_currency(currency),
        platform_fee=platform_fee,
        payee_amount=amount - platform_fee,
        rule=rule.text,
    )
