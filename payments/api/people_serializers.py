"""Request and response shapes of the endpoints for people (payers and payees)."""

import copy

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.refund_serializers import RefundSerializer
from payments.api.serializers import (
    NullableEmailField,
    PaymentRequestSerializer,
    PaymentSessionSerializer,
    QueryFilterSerializer,
    StrictCharField,
)
from payments.models import ConnectedAccount, PaymentSession
from payments.raw_cards import RAW_CARD_FIELDS, test_token_for_card_number
from payments.services.people import PAYEE, PAYER, ROLE_ALIASES

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


class PaymentMethodAttachSerializer(RawCardFieldsMixin):
    payment_method = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="", help_text=PAYMENT_METHOD_HELP
    )
    set_default = serializers.BooleanField(required=False, default=False)
    idempotency_key = serializers.CharField(required=False, write_only=True, max_length=255)

    def validate(self, attrs: dict) -> dict:
        attrs.pop("idempotency_key", None)
        attrs = self.take_card(attrs)
        if not attrs.get("payment_method"):
            raise serializers.ValidationError({"payment_method": "This field is required."})
        return attrs


class SavedCardSerializer(serializers.Serializer):
    id = serializers.CharField()
    brand = serializers.CharField()
    last4 = serializers.CharField()
    exp_month = serializers.IntegerField()
    exp_year = serializers.IntegerField()
    is_default = serializers.BooleanField()


class ProcessPaymentSerializer(RawCardFieldsMixin, PaymentRequestSerializer):
    """A backend charge of the signed-in person's card."""

    customer = None  # the signed-in person is the customer
    payment_method = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="", help_text=PAYMENT_METHOD_HELP
    )
    saved_payment_method_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="One of your saved cards.",
    )
    save_card = serializers.BooleanField(
        required=False, default=False, help_text="Save the new card for next time."
    )

    def validate(self, attrs: dict) -> dict:
        attrs = self.take_card(super().validate(attrs))
        if bool(attrs.get("payment_method")) == bool(attrs.get("saved_payment_method_id")):
            raise serializers.ValidationError(
                {"payment_method": "Send exactly one of payment_method (a new card) and "
                 "saved_payment_method_id."}
            )  # fmt: skip
        return attrs


# What a payee is not shown of a payment made to them, with the value stored on the copy
# (the model's "no value"; URL fields then answer null, as for any absent URL).
PAYEE_HIDDEN_FIELDS = {
    "description": "",
    "metadata": {},
    "checkout_url": "",
    "stripe_checkout_session_id": None,
    "stripe_payment_intent_id": None,
    "stripe_charge_id": None,
    "card_brand": "",
    "card_last4": "",
    "card_exp_month": None,
    "card_exp_year": None,
    "receipt_url": "",
    "failure_code": "",
    "failure_decline_code": "",
    "failure_message": "",
}


class PaymentForPersonSerializer(PaymentSessionSerializer):
    """A payment as its payer or payee sees it: amounts, fee split, card, refunds."""

    role = serializers.SerializerMethodField()
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta(PaymentSessionSerializer.Meta):
        fields = [*PaymentSessionSerializer.Meta.fields, "role", "refunds"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=[PAYER, PAYEE]))
    def get_role(self, session: PaymentSession) -> str:
        user = self.context["request"].user
        return PAYER if session.customer and session.customer.user_id == user.pk else PAYEE

    def to_representation(self, session: PaymentSession) -> dict:
        if self.get_role(session) != PAYEE:
            return super().to_representation(session)
        # A payee sees what a payee needs (amounts, fee, their share, status, dates): the
        # payer's contact details, card, receipt, description, metadata and Stripe ids are
        # blanked on a copy, so the answer keeps its documented shape.
        hidden = copy.copy(session)
        for name, empty in PAYEE_HIDDEN_FIELDS.items():
            setattr(hidden, name, empty)
        data = super().to_representation(hidden)
        data["customer"] = None
        for refund in data["refunds"]:
            refund["requested_by"] = ""
        return data


class RequiresActionSerializer(PaymentSessionSerializer):
    """200 from process-payment: the card needs 3-D Secure; confirm with ``client_secret``."""

    status = serializers.ChoiceField(choices=["requires_action"])
    client_secret = serializers.CharField(help_text="Confirm with Stripe.js handleNextAction.")

    class Meta(PaymentSessionSerializer.Meta):
        fields = [*PaymentSessionSerializer.Meta.fields, "client_secret"]
        read_only_fields = fields


class RoleFilterSerializer(QueryFilterSerializer):
    role = serializers.ChoiceField(choices=[PAYER, PAYEE], required=False)
    user_type = serializers.ChoiceField(
        choices=list(ROLE_ALIASES), required=False, help_text="Alias: client=payer, cleaner=payee."
    )


class ConnectAccountRequestSerializer(serializers.Serializer):
    # Blank is the same as left out (as a form body reads it): the schema says so.
    payee_reference = StrictCharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="API clients: your payee's id (required for them).",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    return_url = serializers.URLField(required=False, allow_blank=True, default="")
    refresh_url = serializers.URLField(required=False, allow_blank=True, default="")


class ConnectedAccountSerializer(serializers.ModelSerializer):
    email = NullableEmailField(help_text="The payee's e-mail, if given; else null.")

    class Meta:
        model = ConnectedAccount
        fields = [
            "stripe_account_id",
            "type",
            "payee_reference",
            "email",
            "country",
            "details_submitted",
            "charges_enabled",
            "payouts_enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OnboardingSerializer(serializers.Serializer):
    account = ConnectedAccountSerializer()
    onboarding_url = serializers.URLField(help_text="Send the payee here (expires soon).")
    expires_at = serializers.IntegerField(help_text="Unix time the link expires.")
