"""Raw card numbers, for the original backend-only API and only in test mode.

The numbers Stripe documents for testing map to the test PaymentMethods that behave the
same (https://docs.stripe.com/testing). Nothing else is accepted: a real card number never
reaches Stripe from this server, and no number, expiry or CVC is stored, logged or echoed.
"""

from payments import exceptions as exc
from payments.conf import payments_settings

RAW_CARD_FIELDS = ("card_number", "exp_month", "exp_year", "cvc", "cardholder_name")

TEST_CARD_TOKENS = {
    "4242424242424242": "pm_card_visa",
    "4000056655665556": "pm_card_visa_debit",
    "5555555555554444": "pm_card_mastercard",
    "378282246310005": "pm_card_amex",
    "4000000000000002": "pm_card_visa_chargeDeclined",
    "4000000000009995": "pm_card_visa_chargeDeclinedInsufficientFunds",
    "4000000000009987": "pm_card_visa_chargeDeclinedLostCard",
    "4000000000009979": "pm_card_visa_chargeDeclinedStolenCard",
    "4000000000000069": "pm_card_chargeDeclinedExpiredCard",
    "4000000000000127": "pm_card_chargeDeclinedIncorrectCvc",
    "4000000000000119": "pm_card_chargeDeclinedProcessingError",
    "4000000000000341": "pm_card_chargeCustomerFail",
    "4000002760003184": "pm_card_authenticationRequired",
    "4000000000000259": "pm_card_createDispute",
    "4000000000005126": "pm_card_refundFail",
}

TOKENISATION_HINT = (
    "Card details must not be sent to this server: collect the card in the browser with "
    "Stripe.js / Elements (or a mobile SDK) and send the resulting payment_method id "
    "(pm_...). Raw card numbers are only accepted in test mode with "
    "PAYMENTS_ALLOW_RAW_CARD_DATA=true."
)


class RawCardDataNotAllowed(exc.PaymentsError):
    code = "raw_card_data_not_allowed"


class NotATestCard(exc.PaymentsError):
    code = "card_number_not_a_test_card"


def raw_card_data_allowed() -> bool:
    key = payments_settings.STRIPE_SECRET_KEY
    return bool(payments_settings.ALLOW_RAW_CARD_DATA) and key.startswith(("sk_test_", "rk_test_"))


def test_token_for_card_number(card_number: str) -> str:
    """The test PaymentMethod for one of Stripe's test card numbers.

    Raises ``RawCardDataNotAllowed`` unless raw card data is allowed (setting and test key),
    and ``NotATestCard`` for any other number. Messages never repeat the number.
    """
    if not raw_card_data_allowed():
        raise RawCardDataNotAllowed(TOKENISATION_HINT, param="card_number")
    digits = "".join(ch for ch in str(card_number) if ch.isdigit())
    token = TEST_CARD_TOKENS.get(digits)
    if token is None:
        raise NotATestCard(
            "Only Stripe's documented test card numbers are accepted here "
            "(https://docs.stripe.com/testing#cards), such as the Visa test card ending 4242.",
            param="card_number",
        )
    return token
