"""Endpoints for people: their payments as payer or payee, and backend charging.

Authenticated as a Django user (``Authorization: Bearer <JWT>`` or a session), never with an
API key. Everything is filtered by the user: another person's payment is a 404. The request
and response shapes, then the views.
"""

import copy

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from payments import exceptions as exc
from payments.api.base import PaymentsAPIMixin
from payments.api.card_fields import PAYMENT_METHOD_HELP, RawCardFieldsMixin, without_raw_card
from payments.api.errors import payments_error_response
from payments.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateView
from payments.api.pagination import LIMIT_PARAMETER, SessionCursorPagination
from payments.api.permissions import IsPerson, actor_for
from payments.api.refunds import RefundSerializer
from payments.api.schema import IDEMPOTENT_STRIPE_CALL, RETRY_AFTER, error_responses
from payments.api.serializers import (
    PaymentRequestSerializer,
    PaymentSessionSerializer,
    QueryFilterSerializer,
)
from payments.models import PaymentSession
from payments.selectors.people import PAYEE, PAYER, ROLE_ALIASES, payments_of_user
from payments.services.charges import (
    REQUIRES_ACTION,
    BackendPaymentRequest,
    backend_payment_process,
)
from payments.states import PaymentStatus


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


def _declined(error: exc.CardDeclined, session_id) -> Response:
    response = payments_error_response(error)
    response.data["error"]["session_id"] = str(session_id)
    return response


class ProcessPaymentView(IdempotentCreateView):
    permission_classes = [IsPerson]

    def fingerprint_data(self, request):
        data = without_raw_card(request.data)
        if hasattr(request.data, "get") and request.data.get("card_number"):
            data["raw_card"] = True
        return data

    @extend_schema(
        operation_id="process_payment",
        summary="Charge the signed-in person's card from the backend",
        description="Creates and confirms a PaymentIntent for the person's Stripe customer. "
        "201: `succeeded` or `processing`. 200: `requires_action` with `client_secret` (3-D "
        "Secure). 402: declined, with `decline_code`; the payment is recorded as `failed`.",
        request=ProcessPaymentSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=error_responses(
            {201: PaymentForPersonSerializer, 200: RequiresActionSerializer},
            *IDEMPOTENT_STRIPE_CALL,
            402,
            404,
            notes={
                402: "card_declined, with decline_code and session_id.",
                404: "saved_payment_method_id is not one of yours.",
            },
        ),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create_idempotently(self, request, idem, *args, **kwargs):
        serializer = ProcessPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = BackendPaymentRequest(**serializer.validated_data)
        try:
            outcome = backend_payment_process(
                request=payment, user=request.user, actor=actor_for(request), idem=idem
            )
        except exc.CardDeclined as error:
            return _declined(error, idem.resource_id)
        session = outcome.session
        if outcome.status == REQUIRES_ACTION:
            data = RequiresActionSerializer(session).data
            return Response({**data, "status": REQUIRES_ACTION}, status=status.HTTP_200_OK)
        if outcome.status == PaymentStatus.FAILED:  # a retry after the decline was recorded
            error = exc.CardDeclined(
                session.failure_message, decline_code=session.failure_decline_code
            )
            return _declined(error, session.pk)
        body = PaymentForPersonSerializer(session, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class PaymentListView(PaymentsAPIMixin, generics.ListAPIView):
    permission_classes = [IsPerson]
    serializer_class = PaymentForPersonSerializer
    pagination_class = SessionCursorPagination

    def get_queryset(self):
        filters = RoleFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        role = filters.validated_data.get("role") or filters.validated_data.get("user_type", "")
        return payments_of_user(user=self.request.user, role=role)

    @extend_schema(
        operation_id="people_payments_list",
        summary="Your payments as payer or payee, newest first",
        parameters=[
            RoleFilterSerializer,
            LIMIT_PARAMETER,
            RETRY_AFTER,
        ],
        responses=error_responses({200: PaymentForPersonSerializer(many=True)}, 400),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PaymentDetailView(PaymentsAPIMixin, generics.RetrieveAPIView):
    permission_classes = [IsPerson]
    serializer_class = PaymentForPersonSerializer

    def get_object(self):
        return get_object_or_404(payments_of_user(user=self.request.user), pk=self.kwargs["pk"])

    @extend_schema(
        operation_id="people_payment_retrieve",
        summary="One of your payments: payable, amounts, fee split, card, refunds",
        parameters=[RETRY_AFTER],
        responses=error_responses(
            {200: PaymentForPersonSerializer}, 404, notes={404: "No such payment of yours."}
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
