"""The bookings API. Thin: parse, call one service, serialise.

Booking endpoints are public in this sample; the payment callback receiver is authenticated by
its ``Payments-Signature`` alone.
"""

import json

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import memberships, services
from bookings.api.guards import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    GuardedJSONParser,
    exception_handler,
    too_deep,
)
from bookings.api.schema import CALLS_PAYMENTS, WITH_BODY, error_responses
from bookings.api.serializers import (
    BookingCreateSerializer,
    BookingSerializer,
    CallbackResultSerializer,
    MembershipCreateSerializer,
    MembershipPortalSerializer,
    MembershipSerializer,
    PaymentCallbackSerializer,
)
from bookings.callbacks import InvalidSignature, verify_signature
from bookings.models import Booking, Membership
from bookings.payments_client import PaymentsError, PaymentsUnavailable


class PaymentsUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "payments_unavailable"


class PaymentsRejectedError(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "payments_rejected"


class IdempotencyKeyReusedError(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class InvalidSignatureError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_signature"


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional. Send one to retry safely: a retry with the same key and body returns "
    "the same booking and resumes its payment if payments was unavailable the first time.",
)


def _payments_error(error: PaymentsError, *, resume_hint: str) -> exceptions.APIException:
    if isinstance(error, PaymentsUnavailable):
        return PaymentsUnavailableError(f"{error.message} {resume_hint}")
    return PaymentsRejectedError(error.message)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django's WSGIRequest reads it


class PublicAPIView(APIView):
    """Public in this sample, with its own parser and envelope whatever REST_FRAMEWORK says."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [GuardedJSONParser]

    def get_exception_handler(self):
        return exception_handler


class BookingCreateView(PublicAPIView):
    @extend_schema(
        operation_id="booking_create",
        summary="Book a service; answers the Checkout URL when a deposit is due",
        request=BookingCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=error_responses({201: BookingSerializer}, *WITH_BODY, 422, *CALLS_PAYMENTS),
    )
    def post(self, request):
        serializer = BookingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": "At most 255 characters."})
        try:
            booking = services.booking_create(
                **serializer.validated_data,
                base_url=request.build_absolute_uri("/"),
                idempotency_key=key,
            )
        except services.BookingKeyReused as error:
            raise IdempotencyKeyReusedError(str(error)) from error
        except PaymentsError as error:
            hint = (
                "The booking is kept: retry with the same Idempotency-Key to resume it."
                if key
                else "Nothing was booked: please try again."
            )
            raise _payments_error(error, resume_hint=hint) from error
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingDetailView(PublicAPIView):
    @extend_schema(
        operation_id="booking_retrieve",
        summary="One booking",
        responses=error_responses({200: BookingSerializer}, 404),
    )
    def get(self, request, pk):
        booking = get_object_or_404(Booking.objects.select_related("service"), pk=pk)
        return Response(BookingSerializer(booking).data)


class BookingConfirmPaymentView(PublicAPIView):
    @extend_schema(
        operation_id="booking_confirm_payment",
        summary="Ask payments how the deposit stands (the browser's return from Checkout)",
        request=None,
        responses=error_responses({200: BookingSerializer}, 404, *CALLS_PAYMENTS),
    )
    def post(self, request, pk):
        booking = get_object_or_404(Booking.objects.select_related("service"), pk=pk)
        try:
            booking = services.booking_payment_refresh(
                booking=booking, base_url=request.build_absolute_uri("/")
            )
        except PaymentsError as error:
            raise _payments_error(error, resume_hint="Try again shortly.") from error
        return Response(BookingSerializer(booking).data)


class PaymentCallbackView(PublicAPIView):
    """Signed callbacks from payments. Not wrapped in a request transaction; CSRF-exempt."""

    @extend_schema(
        operation_id="booking_payment_callback",
        summary="Receiver of signed payments callbacks (Payments-Signature header)",
        request=PaymentCallbackSerializer,
        parameters=[
            OpenApiParameter(
                "Payments-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description='`t=<unix time>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">`.',
            )
        ],
        responses=error_responses(
            {200: CallbackResultSerializer},
            400,
            413,
            notes={400: "invalid_signature (bad or older than 300 s) or not a callback."},
        ),
    )
    def post(self, request):
        if _declared_length(request) > MAX_BODY_BYTES:
            # Before reading it: Django would refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE
            # with its HTML 400 page.
            raise BodyTooLarge(f"The body is over {MAX_BODY_BYTES} bytes.")
        body = request.body  # the raw bytes, before anything parses them
        try:
            verify_signature(
                header=request.headers.get("Payments-Signature", ""),
                body=body,
                secret=settings.PAYMENTS_CALLBACK_SECRET,
            )
        except InvalidSignature as error:
            raise InvalidSignatureError(str(error)) from error
        if too_deep(body):
            raise exceptions.ValidationError("The body is nested too deeply to be a callback.")
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise exceptions.ValidationError("The body is not JSON.") from error
        event = PaymentCallbackSerializer(data=payload)
        event.is_valid(raise_exception=True)
        process = (
            memberships.subscription_callback_process
            if event.validated_data["type"].startswith("subscription.")
            else services.payment_callback_process
        )
        outcome = process(
            event_id=event.validated_data["id"],
            type=event.validated_data["type"],
            sequence=event.validated_data["sequence"],
            data=event.validated_data["data"],
        )
        return Response({"outcome": outcome})


class MembershipCreateView(PublicAPIView):
    @extend_schema(
        operation_id="membership_create",
        summary="Start a monthly membership of a service; answers the Checkout URL",
        request=MembershipCreateSerializer,
        responses=error_responses({201: MembershipSerializer}, *WITH_BODY, *CALLS_PAYMENTS),
    )
    def post(self, request):
        serializer = MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            membership = memberships.membership_create(
                **serializer.validated_data, base_url=request.build_absolute_uri("/")
            )
        except PaymentsError as error:
            raise _payments_error(error, resume_hint="Nothing was started: try again.") from error
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


def _membership(pk) -> Membership:
    return get_object_or_404(Membership.objects.select_related("service"), pk=pk)


class MembershipDetailView(PublicAPIView):
    @extend_schema(
        operation_id="membership_retrieve",
        summary="One membership",
        responses=error_responses({200: MembershipSerializer}, 404),
    )
    def get(self, request, pk):
        return Response(MembershipSerializer(_membership(pk)).data)


class MembershipCancelView(PublicAPIView):
    @extend_schema(
        operation_id="membership_cancel",
        summary="Cancel at the end of the paid period (the status follows payments' callback)",
        request=None,
        responses=error_responses({202: MembershipSerializer}, 404, *CALLS_PAYMENTS),
    )
    def post(self, request, pk):
        membership = _membership(pk)
        try:
            memberships.membership_cancel(membership=membership)
        except PaymentsError as error:
            raise _payments_error(error, resume_hint="Try again shortly.") from error
        return Response(MembershipSerializer(membership).data, status=status.HTTP_202_ACCEPTED)


class MembershipPortalView(PublicAPIView):
    @extend_schema(
        operation_id="membership_portal",
        summary="The Billing Portal page where the member updates the card or cancels",
        request=None,
        responses=error_responses({200: MembershipPortalSerializer}, 404, *CALLS_PAYMENTS),
    )
    def post(self, request, pk):
        membership = _membership(pk)
        return_url = request.build_absolute_uri(
            reverse("bookings:membership-detail", args=[membership.pk])
        )
        try:
            url = memberships.membership_portal_url(membership=membership, return_url=return_url)
        except PaymentsError as error:
            raise _payments_error(error, resume_hint="Try again shortly.") from error
        return Response({"url": url})
