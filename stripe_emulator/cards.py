"""Stripe's documented test cards and what each one does.

A card is named by a test PaymentMethod (`pm_card_visa`), a test token (`tok_visa`) or its
number. Numbers Stripe does not know as test cards are refused like real cards in test mode.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .errors import StripeError, card_error

DECLINE_MESSAGES = {
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "authentication_required": "Your card was declined. This transaction requires authentication.",
    "test_mode_live_card": (
        "Your card was declined. Your request was in test mode, but used a non test (live) card. "
        "For a list of valid test cards, visit: https://stripe.com/docs/testing."
    ),
}


@dataclass(frozen=True)
class TestCard:
    __test__ = False  # not a pytest test class

    name: str  # suffix of pm_card_<name> / tok_<name>
    number: str
    brand: str
    label: str
    funding: str = "credit"
    country: str = "US"
    decline_code: str | None = None  # refused at attach time and whenever charged
    charge_decline_code: str | None = None  # attaches fine, declines when charged
    error_code: str = "card_declined"
    requires_authentication: bool = False
    disputes: bool = False
    refunds_fail: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.number.encode()).hexdigest()[:16]

    def decline_for_charge(self) -> str | None:
        return self.decline_code or self.charge_decline_code


TEST_CARDS: tuple[TestCard, ...] = (
    TestCard("visa", "4242424242424242", "visa", "Visa: succeeds"),
    TestCard("visa_debit", "4000056655665556", "visa", "Visa debit: succeeds", funding="debit"),
    TestCard("mastercard", "5555555555554444", "mastercard", "Mastercard: succeeds"),
    TestCard("amex", "378282246310005", "amex", "American Express: succeeds"),
    TestCard("gb", "4000008260000000", "visa", "Visa (GB): succeeds", country="GB"),
    TestCard(
        "visa_chargeDeclined", "4000000000000002", "visa", "Declined (generic_decline)",
        decline_code="generic_decline",
    ),
    TestCard(
        "visa_chargeDeclinedInsufficientFunds", "4000000000009995", "visa",
        "Declined (insufficient_funds)", funding="debit", decline_code="insufficient_funds",
    ),
    TestCard(
        "visa_chargeDeclinedLostCard", "4000000000009987", "visa", "Declined (lost_card)",
        decline_code="lost_card",
    ),
    TestCard(
        "visa_chargeDeclinedStolenCard", "4000000000009979", "visa", "Declined (stolen_card)",
        decline_code="stolen_card",
    ),
    TestCard(
        "chargeDeclinedExpiredCard", "4000000000000069", "visa", "Declined (expired_card)",
        decline_code="expired_card", error_code="expired_card",
    ),
    TestCard(
        "chargeDeclinedIncorrectCvc", "4000000000000127", "visa", "Declined (incorrect_cvc)",
        decline_code="incorrect_cvc", error_code="incorrect_cvc",
    ),
    TestCard(
        "chargeDeclinedProcessingError", "4000000000000119", "visa",
        "Declined (processing_error)", decline_code="processing_error",
        error_code="processing_error",
    ),
    TestCard(
        "chargeCustomerFail", "4000000000000341", "visa",
        "Attaches, then declines when charged", charge_decline_code="generic_decline",
    ),
    TestCard(
        "authenticationRequired", "4000002760003184", "visa",
        "3-D Secure required", requires_authentication=True,
    ),
    TestCard(
        "createDispute", "4000000000000259", "visa", "Succeeds, then disputed (fraudulent)",
        disputes=True,
    ),
    TestCard(
        "refundFail", "4000000000005126", "visa", "Succeeds, refunds fail", refunds_fail=True,
    ),
)  # fmt: skip

_BY_NAME = {card.name: card for card in TEST_CARDS}
_BY_NUMBER = {card.number: card for card in TEST_CARDS}


def test_token_card(reference: str) -> TestCard | None:
    """The card behind `pm_card_<name>` or `tok_<name>`, if `reference` is one."""
    for prefix in ("pm_card_", "tok_"):
        if reference.startswith(prefix):
            return _BY_NAME.get(reference[len(prefix) :])
    return None


def normalise_number(number: str) -> str:
    return "".join(ch for ch in str(number) if not ch.isspace() and ch != "-")


def card_for_number(number: str, *, param: str = "card[number]") -> TestCard:
    """The test card with that number, or the error Stripe gives for it."""
    digits = normalise_number(number)
    card = _BY_NUMBER.get(digits)
    if card is not None:
        return card
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        raise card_error("incorrect_number", "Your card number is incorrect.", param=param)
    raise decline_error("test_mode_live_card")


def resolve(reference: str) -> TestCard:
    """A test token or a card number, as typed on the hosted page or the control endpoint."""
    return test_token_card(reference) or card_for_number(reference, param="payment_method")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def decline_message(decline_code: str) -> str:
    return DECLINE_MESSAGES.get(decline_code, "Your card was declined.")


def decline_error(decline_code: str, error_code: str = "card_declined") -> StripeError:
    return card_error(error_code, decline_message(decline_code), decline_code=decline_code)
