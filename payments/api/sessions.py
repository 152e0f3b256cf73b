"""``/api/payments/checkout/``, ``payment-intents/``, ``sessions/``: other services start a
payment and read their sessions. Thin: parse, call one service or selector, serialise.

The session serializers live in ``payments.api.serializers`` (callbacks share them)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from payments.api.base import PaymentsAPIMixin
from payments.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateView
from payments.api.pagination import LIMIT_PARAMETER, SessionCursorPagination
from payments.api.permissions import IsAPIClient, IsAPIClientOrStaff, actor_for, api_client_of
from payments.api.schema import IDEMPOTENT_STRIPE_CALL, RETRY_AFTER, error_responses
from payments.api.serializers import (
    CheckoutRequestSerializer,
    PaymentIntentSessionSerializer,
    PaymentRequestSerializer,
    PaymentSessionSerializer,
    SessionFilterSerializer,
)
from payments.selectors.sessions import SessionFilters, sessions_visible_to
from payments.services.checkout import PaymentRequest, checkout_session_start, payment_intent_start


def _payment_request(request, serializer_class) -> PaymentRequest:
    serializer = serializer_class(data=request.data, context={"api_client": api_client_of(request)})
    serializer.is_valid(raise_exception=True)
    return PaymentRequest(**serializer.validated_data)


def _visible_sessions(request, filters: SessionFilters | None = None):
    return sessions_visible_to(
        api_client=api_client_of(request), user=request.user, filters=filters
    )


class CheckoutCreateView(IdempotentCreateView):
    permission_classes = [IsAPIClient]

    @extend_schema(
        operation_id="checkout_create",
        summary="Start a Stripe Checkout payment for a payable",
        request=CheckoutRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=error_responses({201: PaymentSessionSerializer}, *IDEMPOTENT_STRIPE_CALL),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create_idempotently(self, request, idem, *args, **kwargs):
        payment = _payment_request(request, CheckoutRequestSerializer)
        session = checkout_session_start(
            request=payment, api_client=api_client_of(request), actor=actor_for(request), idem=idem
        )
        return Response(PaymentSessionSerializer(session).data, status=status.HTTP_201_CREATED)


class PaymentIntentCreateView(IdempotentCreateView):
    permission_classes = [IsAPIClient]

    @extend_schema(
        operation_id="payment_intent_create",
        summary="Start a PaymentIntent payment for Stripe Elements",
        request=PaymentRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=error_responses({201: PaymentIntentSessionSerializer}, *IDEMPOTENT_STRIPE_CALL),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create_idempotently(self, request, idem, *args, **kwargs):
        payment = _payment_request(request, PaymentRequestSerializer)
        session = payment_intent_start(
            request=payment, api_client=api_client_of(request), actor=actor_for(request), idem=idem
        )
        return Response(
            PaymentIntentSessionSerializer(session).data, status=status.HTTP_201_CREATED
        )


class SessionListView(PaymentsAPIMixin, generics.ListAPIView):
    permission_classes = [IsAPIClientOrStaff]
    serializer_class = PaymentSessionSerializer
    pagination_class = SessionCursorPagination

    def get_queryset(self):
        filters = SessionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return _visible_sessions(self.request, filters=filters.filters())

    @extend_schema(
        operation_id="sessions_list",
        summary="List your payment sessions, newest first",
        parameters=[
            SessionFilterSerializer,
            LIMIT_PARAMETER,
            RETRY_AFTER,
        ],
        responses=error_responses({200: PaymentSessionSerializer(many=True)}, 400),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SessionDetailView(PaymentsAPIMixin, generics.RetrieveAPIView):
    permission_classes = [IsAPIClientOrStaff]
    serializer_class = PaymentSessionSerializer

    def get_queryset(self):
        return _visible_sessions(self.request)

    @extend_schema(
        operation_id="session_retrieve",
        summary="One payment session",
        parameters=[RETRY_AFTER],
        responses=error_responses({200: PaymentSessionSerializer}, 404),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SessionStatusView(SessionDetailView):
    """``GET status/{id}/``: the original API's name for ``GET sessions/{id}/``."""

    @extend_schema(
        operation_id="session_status",
        summary="Alias of sessions/{id}/",
        parameters=[RETRY_AFTER],
        responses=error_responses({200: PaymentSessionSerializer}, 404),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
