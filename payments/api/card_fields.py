"""The raw card fields of the original backend-only API (only with
PAYMENTS_ALLOW_RAW_CARD_DATA and a test key), shared by saving a card and charging one: the
serializer fields that turn them into a test token, and the request body without them."""

from rest_framework import serializers

from payments.raw_cards import RAW_CARD_FIELDS, test_token_for_card_number

PAYMENT_METHOD_HELP = (
    "A PaymentMethod id from Stripe.js / Elements (pm_...), or a Stripe test token such as "
    "pm_card_visa."
)


class RawCardFieldsMixin(serializers.Serializer):
    """The original backend-only API's card fields; only with PAYMENTS_ALLOW_RAW_CARD_DATA.

    They are write-only and turned into a test token during validation: nothing downstream
    ever sees the number, expiry or CVC.
    """

    card_number = serializers.CharField(
        required=False, write_only=True, max_length=23, help_text="Test mode only."
    )
    exp_month = serializers.IntegerField(required=False, write_only=True, min_value=1)
    exp_year = serializers.IntegerField(required=False, write_only=True, min_value=0)
    cvc = serializers.CharField(required=False, write_only=True, max_length=4)
    cardholder_name = serializers.CharField(required=False, write_only=True, max_length=200)

    def take_card(self, attrs: dict) -> dict:
        """Replace the raw card fields by ``payment_method`` (a test token)."""
        raw = {name: attrs.pop(name) for name in RAW_CARD_FIELDS if name in attrs}
        if raw:
            if attrs.get("payment_method") or attrs.get("saved_payment_method_id"):
                raise serializers.ValidationError(
                    {"card_number": "Send either card details or a payment method, not both."}
                )
            attrs["payment_method"] = test_token_for_card_number(raw.get("card_number", ""))
        return attrs


def without_raw_card(data) -> dict:
    """The request body minus card details, which are not kept even as a hash. Their
    test-token equivalent is all a request can differ by, and it is in ``payment_method``."""
    if not hasattr(data, "items"):
        return data
    return {key: value for key, value in data.items() if key not in RAW_CARD_FIELDS}
