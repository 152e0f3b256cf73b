"""The subscription serializers: the request to start one, the subscription with its invoices
as the API answers it, the list's filters and the bodies of cancel and portal."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.serializers import (
    HTTP_URL,
    SLUG,
    AmountField,
    CurrencyField,
    CustomerInputSerializer,
    QueryFilterSerializer,
    StrictIntegerField,
    accepted_currency,
    check_amount,
    check_payable_type,
    checked_metadata,
)
from payments.conf import payments_settings
from payments.models import PaymentSession, Subscription
from payments.models.subscriptions import Interval, SubscriptionStatus
from payments.representations import NullableURLField
from payments.representations import SubscriptionSerializer as SubscriptionRepresentation
from payments.selectors.subscriptions import SubscriptionFilters
from payments.services.subscriptions import MAX_INTERVAL_COUNT

CHECKOUT, ELEMENTS = "checkout", "elements"
SUBSCRIPTION_FLOWS = [CHECKOUT, ELEMENTS]
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")
MAX_TRIAL_DAYS = 730  # Stripe's limit
INLINE_PRICE_FIELDS = ("amount", "currency", "interval", "interval_count")


class SubscriptionCreateSerializer(serializers.Serializer):
    """Who pays what for which payable, how often, and how the first payment is collected."""

    flow = serializers.ChoiceField(
        choices=SUBSCRIPTION_FLOWS,
        help_text="`checkout`: answers `checkout_url` (Stripe Checkout, mode=subscription). "
        "`elements`: answers the first invoice's `client_secret` for Stripe Elements.",
    )
    payable_type = serializers.CharField(max_length=50, validators=[SLUG])
    payable_id = serializers.CharField(max_length=255)
    customer = CustomerInputSerializer(
        required=False,
        help_text="Required with an API key. Left out by a signed-in person, who subscribes "
        "themselves.",
    )
    amount = AmountField(required=False)
    currency = CurrencyField(
        required=False, help_text="With `amount`; defaults to DEFAULT_CURRENCY."
    )
    interval = serializers.ChoiceField(choices=Interval.choices, required=False)
    interval_count = StrictIntegerField(
        min_value=1,
        max_value=max(MAX_INTERVAL_COUNT.values()),
        required=False,
        help_text="Default 1. At most three years: 36 months, 156 weeks, 1095 days or 3 years.",
    )
    price = serializers.RegexField(
        r"^price_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="An existing recurring Stripe price, instead of amount/currency/interval/"
        "interval_count.",
    )
    trial_days = StrictIntegerField(min_value=1, max_value=MAX_TRIAL_DAYS, required=False)
    metadata = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False, default=dict
    )
    test_clock = serializers.RegexField(
        r"^clock_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="Test mode only: a Stripe test clock (clock_...) the customer's new Stripe "
        "customer is created on, so renewals can be fast-forwarded.",
    )
    payee_account = serializers.RegexField(
        r"^acct_[A-Za-z0-9]+$",
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Marketplace payee's connected account (acct_...): every invoice's charge is a "
        "destination charge that sends the amount minus the platform fee to it.",
    )
    payee_reference = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Or the reference the payee was registered under (POST connect/accounts/).",
    )
    success_url = serializers.CharField(
        max_length=2000, validators=[HTTP_URL], required=False, help_text="Flow checkout only."
    )
    cancel_url = serializers.CharField(
        max_length=2000, validators=[HTTP_URL], required=False, help_text="Flow checkout only."
    )
    idempotency_key = serializers.CharField(
        required=False,
        write_only=True,
        max_length=255,
        help_text="Alternative to the Idempotency-Key header.",
    )

    def validate_currency(self, value: str) -> str:
        return accepted_currency(value)

    def validate_metadata(self, value: dict) -> dict:
        return checked_metadata(value)

    def validate_test_clock(self, value: str) -> str:
        if payments_settings.STRIPE_SECRET_KEY.startswith(LIVE_KEY_PREFIXES):
            raise serializers.ValidationError(
                "Test clocks exist only in test mode; this server uses a live Stripe key."
            )
        return value

    def validate(self, attrs: dict) -> dict:
        attrs.pop("idempotency_key", None)
        check_payable_type(self.context.get("api_client"), attrs["payable_type"])
        self._check_customer(attrs)
        self._check_price(attrs)
        self._check_urls(attrs)
        return attrs

    def _check_customer(self, attrs: dict) -> None:
        by_client = self.context.get("api_client") is not None
        if by_client and "customer" not in attrs:
            raise serializers.ValidationError({"customer": "This field is required."})
        if not by_client and "customer" in attrs:
            raise serializers.ValidationError(
                {"customer": "A signed-in person subscribes themselves: leave customer out."}
            )

    def _check_price(self, attrs: dict) -> None:
        inline = [name for name in INLINE_PRICE_FIELDS if name in attrs]
        if "price" in attrs:
            if inline:
                raise serializers.ValidationError(
                    {"price": f"Send either price or {', '.join(inline)}, not both."}
                )
            return
        for name in ("amount", "interval"):
            if name not in attrs:
                raise serializers.ValidationError(
                    {name: "Required unless an existing Stripe price is given as price."}
                )
        attrs["currency"] = attrs.get("currency") or payments_settings.DEFAULT_CURRENCY
        attrs["interval_count"] = attrs.get("interval_count", 1)
        check_amount(attrs["amount"], attrs["currency"])
        most = MAX_INTERVAL_COUNT[attrs["interval"]]
        if attrs["interval_count"] > most:
            raise serializers.ValidationError(
                {"interval_count": f"At most {most} for interval {attrs['interval']}."}
            )

    def _check_urls(self, attrs: dict) -> None:
        for name in ("success_url", "cancel_url"):
            if attrs["flow"] == CHECKOUT and name not in attrs:
                raise serializers.ValidationError({name: "Required with flow checkout."})
            if attrs["flow"] != CHECKOUT and name in attrs:
                raise serializers.ValidationError({name: "Only with flow checkout."})


class SubscriptionInvoiceSerializer(serializers.ModelSerializer):
    """One invoice of the subscription: its payment session (``GET sessions/{id}/``)."""

    class Meta:
        model = PaymentSession
        fields = [
            "id",
            "status",
            "amount",
            "currency",
            "stripe_invoice_id",
            "stripe_payment_intent_id",
            "failure_code",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields


class SubscriptionSerializer(SubscriptionRepresentation):
    """A subscription as its owner sees it (the ``data`` of its callbacks), with every
    invoice's payment session."""

    invoices = serializers.SerializerMethodField()

    class Meta(SubscriptionRepresentation.Meta):
        fields = [*SubscriptionRepresentation.Meta.fields, "invoices"]
        read_only_fields = fields

    @extend_schema_field(SubscriptionInvoiceSerializer(many=True))
    def get_invoices(self, subscription: Subscription) -> list:
        sessions = getattr(subscription, "invoice_sessions", None)
        if sessions is None:  # not read through the selector (a new subscription)
            sessions = subscription.sessions.order_by("created_at", "id")
        return SubscriptionInvoiceSerializer(sessions, many=True).data


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    """201: the subscription, and what collects its first payment."""

    flow = serializers.ChoiceField(choices=SUBSCRIPTION_FLOWS, read_only=True)
    checkout_url = NullableURLField(help_text="Flow checkout: send the customer here.")
    client_secret = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Flow elements: confirm the first invoice's PaymentIntent with Stripe.js. "
        "null with a trial (nothing to pay yet).",
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "flow", "checkout_url", "client_secret"]
        read_only_fields = fields


class SubscriptionFilterSerializer(QueryFilterSerializer):
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices, required=False)
    # Taken as sent: a value of only spaces is a filter that matches nothing, not a 400.
    payable_type = serializers.CharField(max_length=50, required=False, trim_whitespace=False)
    payable_id = serializers.CharField(max_length=255, required=False, trim_whitespace=False)
    customer_email = serializers.CharField(
        max_length=254, required=False, trim_whitespace=False, help_text="Any case."
    )

    def filters(self) -> SubscriptionFilters:
        wanted = self.validated_data
        return SubscriptionFilters(
            status=wanted.get("status"),
            payable_type=wanted.get("payable_type"),
            payable_id=wanted.get("payable_id"),
            customer_email=wanted.get("customer_email"),
        )


class SubscriptionCancelSerializer(serializers.Serializer):
    at_period_end = serializers.BooleanField(
        help_text="true: cancel when the paid period ends (undo with resume/). false: now."
    )
    idempotency_key = serializers.CharField(required=False, write_only=True, max_length=255)


class SubscriptionPortalSerializer(serializers.Serializer):
    return_url = serializers.CharField(
        max_length=2000, validators=[HTTP_URL], help_text="Where the portal sends them back."
    )
    idempotency_key = serializers.CharField(required=False, write_only=True, max_length=255)


class PortalURLSerializer(serializers.Serializer):
    url = serializers.URLField(read_only=True, help_text="The Stripe Billing Portal session.")


class IdempotencyKeyBodySerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(required=False, write_only=True, max_length=255)
