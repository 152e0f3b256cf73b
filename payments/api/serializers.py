"""The session serializers (requests to start a payment, the session as clients and
callbacks see it, the list's filters) and the fields every resource of the API shares."""

from datetime import UTC, datetime

from django.core.validators import RegexValidator, URLValidator
from rest_framework import serializers

from payments.conf import payments_settings
from payments.models import PaymentSession
from payments.money import format_money, minimum_charge
from payments.representations import PaymentSessionSerializer  # callbacks' data too
from payments.selectors.sessions import SessionFilters

SLUG = RegexValidator(
    r"^[a-z0-9][a-z0-9_.-]{0,49}$",
    "Use a short lowercase slug: letters, digits, '_', '-', '.', at most 50 characters.",
)
HTTP_URL = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL.")
RESERVED_METADATA_KEYS = {"payments_session_id", "payments_refund_id", "payments_customer_id"}


class StrictIntegerField(serializers.IntegerField):
    """An integer in JSON: refuses strings, floats and booleans instead of coercing them."""

    default_error_messages = {"invalid": "Must be an integer number of minor units (e.g. 2500)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string: refuses numbers instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


AMOUNT_HELP = (
    "Minor units: 2500 is £25.00; 2500 is ¥2,500. At least Stripe's minimum charge for the "
    "currency (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts), e.g. "
    "30 for gbp, 50 for usd or eur, 300 for sek: a smaller amount is a 400 naming `amount`."
)


class AmountField(StrictIntegerField):
    """An amount to charge. Its schema's bounds come from the settings when the schema is
    generated (``payments.api.schema``); the minimum of the chosen currency is checked with it.
    """

    def __init__(self, **kwargs):
        super().__init__(help_text=AMOUNT_HELP, **kwargs)


class CurrencyField(serializers.CharField):
    """A currency code; the schema's enum is PAYMENTS['CURRENCIES'] when it is generated."""


class NullableEmailField(serializers.EmailField):
    """An e-mail address stored as ``""`` when unknown: ``null`` in the API (``format: email``)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class QueryFilterSerializer(serializers.Serializer):
    """Validates query parameters as given: ``?status=`` (empty) is a 400 naming ``status``.

    DRF reads a ``QueryDict`` as an HTML form, where an empty optional value means "not sent";
    the last value of a repeated parameter is the one used, as everywhere else in the API.
    """

    def __init__(self, *args, data=serializers.empty, **kwargs):
        if hasattr(data, "dict"):
            data = data.dict()
        super().__init__(*args, data=data, **kwargs)


def accepted_currency(value: str) -> str:
    """A currency field's value: one of PAYMENTS['CURRENCIES'], lowercase."""
    code = value.strip().lower()
    allowed = payments_settings.CURRENCIES
    if code not in allowed:
        raise serializers.ValidationError(
            f"'{value}' is not an accepted currency. Use one of: {', '.join(allowed)}."
        )
    return code


def checked_metadata(value: dict) -> dict:
    """A metadata field's value: Stripe's limits, and none of the keys the app sets itself."""
    if len(value) > 40:
        raise serializers.ValidationError("At most 40 metadata keys.")
    for key in value:
        if len(key) > 40:
            raise serializers.ValidationError(f"Metadata key '{key[:40]}…' is over 40 characters.")
        if key in RESERVED_METADATA_KEYS:
            raise serializers.ValidationError(f"Metadata key '{key}' is reserved.")
    return value


def check_amount(amount: int, currency: str) -> None:
    """Stripe's minimum charge for the currency and MAX_AMOUNT, as a 400 naming ``amount``."""
    smallest, largest = minimum_charge(currency), payments_settings.MAX_AMOUNT
    if amount < smallest:
        raise serializers.ValidationError(
            {
                "amount": f"Must be at least {smallest} ({format_money(smallest, currency)}), "
                "Stripe's minimum charge for this currency."
            }
        )
    if amount > largest:
        raise serializers.ValidationError(
            {"amount": f"Must be at most {largest} ({format_money(largest, currency)})."}
        )


def check_payable_type(client, payable_type: str) -> None:
    """An API client limited to some payable types may take payments for those only."""
    if client is not None and not client.may_use_payable_type(payable_type):
        raise serializers.ValidationError(
            {"payable_type": f"This API client may not take payments for '{payable_type}'."}
        )


class CustomerInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class PaymentRequestSerializer(serializers.Serializer):
    """What every "take money for this payable" request carries."""

    payable_type = serializers.CharField(max_length=50, validators=[SLUG])
    payable_id = serializers.CharField(max_length=255)
    amount = AmountField()
    currency = CurrencyField(
        required=False,
        help_text="Lowercase ISO 4217 code, one of PAYMENTS['CURRENCIES']; defaults to "
        "DEFAULT_CURRENCY.",
    )
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    customer = CustomerInputSerializer()
    metadata = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False, default=dict
    )
    idempotency_key = serializers.CharField(
        required=False,
        write_only=True,
        max_length=255,
        help_text="Alternative to the Idempotency-Key header.",
    )
    payee_account = serializers.RegexField(
        r"^acct_[A-Za-z0-9]+$",
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Marketplace payee's connected account (acct_...): a destination charge that "
        "sends the amount minus the platform fee to it.",
    )
    payee_reference = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Or the reference the payee was registered under (POST connect/accounts/).",
    )

    def validate_currency(self, value: str) -> str:
        return accepted_currency(value)

    def validate_metadata(self, value: dict) -> dict:
        return checked_metadata(value)

    def validate(self, attrs: dict) -> dict:
        attrs.pop("idempotency_key", None)
        attrs["currency"] = attrs.get("currency") or payments_settings.DEFAULT_CURRENCY
        check_amount(attrs["amount"], attrs["currency"])
        check_payable_type(self.context.get("api_client"), attrs["payable_type"])
        return attrs


class CheckoutRequestSerializer(PaymentRequestSerializer):
    success_url = serializers.CharField(max_length=2000, validators=[HTTP_URL])
    cancel_url = serializers.CharField(max_length=2000, validators=[HTTP_URL])


class PaymentIntentSessionSerializer(PaymentSessionSerializer):
    client_secret = serializers.CharField(
        read_only=True, help_text="Hand to Stripe.js (Elements) to confirm the payment."
    )

    class Meta(PaymentSessionSerializer.Meta):
        fields = [*PaymentSessionSerializer.Meta.fields, "client_secret"]
        read_only_fields = fields


class BoundDateTimeField(serializers.DateTimeField):
    """A date-time filter bound. ``0001-01-01T00:00:00+05:00`` is a valid RFC 3339 date-time (as
    the schema says) that Python cannot move to another zone: DRF refused it as out of range.
    As a bound it is simply before (or after) every row, so it is clamped to the first (last)
    representable moment, which selects the same rows."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except serializers.ValidationError:
            if value.tzinfo is None:  # not an overflow: a naive time in a DST gap
                raise
            edge = datetime.min if value.year < 5000 else datetime.max
            return edge.replace(tzinfo=UTC)


class SessionFilterSerializer(QueryFilterSerializer):
    status = serializers.ChoiceField(
        choices=PaymentSession._meta.get_field("status").choices, required=False
    )
    payable_type = serializers.CharField(max_length=50, required=False, trim_whitespace=False)
    payable_id = serializers.CharField(max_length=255, required=False, trim_whitespace=False)
    created_after = BoundDateTimeField(required=False)
    created_before = BoundDateTimeField(required=False)

    def filters(self) -> SessionFilters:
        """The validated query as the selectors' filter (one implementation of filtering)."""
        wanted = self.validated_data
        return SessionFilters(
            status=wanted.get("status"),
            payable_type=wanted.get("payable_type"),
            payable_id=wanted.get("payable_id"),
            since=wanted.get("created_after"),
            until=wanted.get("created_before"),
        )
