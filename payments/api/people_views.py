"""Endpoints for people: their payments as payer or payee, and backend charging.

Authenticated as a Django user (``Authorization: Bearer <JWT>`` or a session), never with an
API key. Everything is filtered by the user: another person's payment is a 404.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response

from payments import exceptions as exc
from payments.api.base import PaymentsAPIMixin
from payments.api.errors import payments_error_response
from payments.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateView
from payments.api.people_serializers import (
    PaymentForPersonSerializer,
    ProcessPaymentSerializer,
    RequiresActionSerializer,
    RoleFilterSerializer,
)
from payments.api.permissions import actor_for, api_client_of
from payments.api.schema import IDEMPOTENT_STRIPE_CALL, RETRY_AFTER, error_responses
from payments.api.views import LIMIT_PARAMETER, SessionCursorPagination
from payments.raw_cards import RAW_CARD_FIELDS
from payments.services.charges import (
    REQUIRES_ACTION,
    BackendPaymentRequest,
    backend_payment_process,
)
from payments.services.people import payments_of_user
from payments.states import PaymentStatus


class IsPerson(permissions.BasePermission):
    message = "Sign in as a person: Authorization: Bearer <token from /api/auth/token/>."

    def has_permission(self, request, view) -> bool:
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and api_client_of(request) is None)


def without_raw_card(data) -> dict:
    """The request body minus card details, which are not kept even as a hash. Their
    test-token equivalent is all a request can differ by, and it is in ``payment_method``."""
    if not hasattr(data, "items"):
        return data
    return {key: value for key, value in data.items() if key not in RAW_CARD_FIELDS}


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
