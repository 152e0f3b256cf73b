"""``/api/payments/payment-methods/``: the signed-in person's saved cards.

The request and response shapes, then the views."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from payments.api.base import PaymentsAPIView
from payments.api.card_fields import PAYMENT_METHOD_HELP, RawCardFieldsMixin, without_raw_card
from payments.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateView
from payments.api.permissions import IsPerson
from payments.api.schema import IDEMPOTENT_STRIPE_CALL, RETRY_AFTER, error_responses
from payments.selectors.payment_methods import payment_method_list_for_user
from payments.services.payment_methods import (
    payment_method_attach_for_user,
    payment_method_detach_for_user,
    payment_method_set_default_for_user,
)

NOT_YOURS = {404: "No such saved card of yours."}


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


class PaymentMethodListCreateView(IdempotentCreateView):
    permission_classes = [IsPerson]

    def fingerprint_data(self, request):
        return without_raw_card(request.data)

    @extend_schema(
        operation_id="payment_methods_list",
        summary="Your saved cards (newest first)",
        parameters=[RETRY_AFTER],
        responses=error_responses({200: SavedCardSerializer(many=True)}, 502, 503),
    )
    def get(self, request):
        cards = payment_method_list_for_user(user=request.user)
        return Response(SavedCardSerializer(cards, many=True).data)

    @extend_schema(
        operation_id="payment_method_attach",
        summary="Save a card to your account",
        description="`payment_method` is a pm_... id from Stripe.js / Elements (or a test token "
        "such as pm_card_visa). A card declined when saved answers 402 with `decline_code`. "
        "Raw card fields are refused with 400 `raw_card_data_not_allowed` unless "
        "PAYMENTS_ALLOW_RAW_CARD_DATA is on with a test key.",
        request=PaymentMethodAttachSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=error_responses({201: SavedCardSerializer}, *IDEMPOTENT_STRIPE_CALL, 402),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create_idempotently(self, request, idem, *args, **kwargs):
        serializer = PaymentMethodAttachSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        card = payment_method_attach_for_user(
            user=request.user, request_id=idem.pk, **serializer.validated_data
        )
        return Response(SavedCardSerializer(card).data, status=status.HTTP_201_CREATED)


class PaymentMethodDetailView(PaymentsAPIView):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="payment_method_detach",
        summary="Remove one of your saved cards",
        parameters=[RETRY_AFTER],
        responses=error_responses({204: None}, 404, 502, 503, notes=NOT_YOURS),
    )
    def delete(self, request, payment_method):
        payment_method_detach_for_user(user=request.user, payment_method=payment_method)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaymentMethodDefaultView(PaymentsAPIView):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="payment_method_set_default",
        summary="Make one of your saved cards the default",
        request=None,
        parameters=[RETRY_AFTER],
        responses=error_responses({200: SavedCardSerializer}, 404, 502, 503, notes=NOT_YOURS),
    )
    def post(self, request, payment_method):
        card = payment_method_set_default_for_user(user=request.user, payment_method=payment_method)
        return Response(SavedCardSerializer(card).data)
