"""A payment session (and a subscription) as API clients see it: the API's responses and the
``data`` of callbacks.

One representation below both users, so the callback payload and ``GET sessions/{id}/`` cannot
drift apart, and the callbacks service needs nothing from ``payments.api``. The API's
serializers (``payments.api.serializers``) build on these; the schema is generated from them.
"""

import json
from functools import cache
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from payments.models import Customer, PaymentSession, Subscription
from payments.money import format_money


class NullableURLField(serializers.URLField):
    """A URL the model stores as ``""`` when there is none: ``null`` in the API, so that the
    schema's ``format: uri`` is true of every value."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["email", "name", "phone"]


class PaymentSessionSerializer(serializers.ModelSerializer):
    """A payment session as clients see it (also the ``data`` of callbacks)."""

    customer = CustomerSerializer(read_only=True)
    amount_display = serializers.SerializerMethodField()
    amount_refunded_display = serializers.SerializerMethodField()
    checkout_url = NullableURLField(help_text="Send the customer here (Checkout); else null.")
    receipt_url = NullableURLField(help_text="Stripe's receipt, once paid; else null.")
    payee_account = serializers.CharField(
        source="connected_account.stripe_account_id",
        read_only=True,
        allow_null=True,
        help_text="The payee's connected account (acct_...) of a marketplace payment.",
    )

    class Meta:
        model = PaymentSession
        fields = [
            "id",
            "status",
            "flow",
            "payable_type",
            "payable_id",
            "amount",
            "currency",
            "amount_display",
            "amount_refunded",
            "amount_refunded_display",
            "description",
            "customer",
            "metadata",
            "checkout_url",
            "stripe_checkout_session_id",
            "stripe_payment_intent_id",
            "stripe_charge_id",
            "card_brand",
            "card_last4",
            "card_exp_month",
            "card_exp_year",
            "receipt_url",
            "dispute_status",
            "failure_code",
            "failure_decline_code",
            "failure_message",
            "platform_fee",
            "payee_amount",
            "payee_account",
            "payee_reference",
            "expires_at",
            "created_at",
            "paid_at",
            "canceled_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text="For people, e.g. £25.00 or ¥2,500."))
    def get_amount_display(self, session: PaymentSession) -> str:
        return format_money(session.amount, session.currency)

    @extend_schema_field(serializers.CharField())
    def get_amount_refunded_display(self, session: PaymentSession) -> str:
        return format_money(session.amount_refunded, session.currency)


@cache
def _session_serializer() -> PaymentSessionSerializer:
    """One serializer per process, reused: DRF builds a ``ModelSerializer``'s fields from the
    model on every instantiation (about 1.4 ms of the 1.6 ms a snapshot took), while
    ``to_representation`` keeps no state between calls."""
    return PaymentSessionSerializer()


def session_representation(session: PaymentSession) -> dict[str, Any]:
    """The session exactly as ``GET sessions/{id}/`` renders it, as plain JSON values (what a
    callback carries as its ``data``)."""
    data = _session_serializer().to_representation(session)
    return json.loads(json.dumps(data, cls=JSONEncoder))


class SubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as clients see it (the ``data`` of ``subscription.*`` callbacks)."""

    customer = CustomerSerializer(read_only=True)
    amount_display = serializers.SerializerMethodField()
    price = serializers.CharField(
        source="stripe_price_id", read_only=True, help_text="The Stripe price (price_...)."
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "status",
            "payable_type",
            "payable_id",
            "amount",
            "currency",
            "amount_display",
            "interval",
            "interval_count",
            "price",
            "customer",
            "metadata",
            "stripe_subscription_id",
            "current_period_start",
            "current_period_end",
            "cancel_at_period_end",
            "canceled_at",
            "ended_at",
            "trial_end",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text="Per interval, for people: £15.00."))
    def get_amount_display(self, subscription: Subscription) -> str:
        return format_money(subscription.amount, subscription.currency)


@cache
def _subscription_serializer() -> SubscriptionSerializer:
    return SubscriptionSerializer()


def subscription_representation(subscription: Subscription) -> dict[str, Any]:
    """The subscription as plain JSON values (what a ``subscription.*`` callback carries)."""
    data = _subscription_serializer().to_representation(subscription)
    return json.loads(json.dumps(data, cls=JSONEncoder))
