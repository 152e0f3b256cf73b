"""``/api/payments/connect/accounts/``: payees' Stripe Connect accounts and onboarding.

A signed-in person creates (or gets back) their own Express account; an API client registers
a payee of its own under ``payee_reference``. Both get a fresh onboarding link each time:
one account per person or reference, so the call is safe to repeat without a key.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from payments.api.base import PaymentsAPIView
from payments.api.permissions import IsPerson, IsPersonOrAPIClient, api_client_of
from payments.api.schema import RETRY_AFTER, WITH_BODY, error_responses
from payments.api.serializers import NullableEmailField, StrictCharField
from payments.models import ConnectedAccount
from payments.selectors.people import connected_account_of_user
from payments.services.connect import connected_account_onboard


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

    def validate(self, attrs: dict) -> dict:
        if self.context.get("api_client") is not None and not attrs["payee_reference"]:
            raise serializers.ValidationError(
                {"payee_reference": "API clients name the payee they register."}
            )
        return attrs


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
    onboarding_url = serializers.URLField(
        source="url", help_text="Send the payee here (expires soon)."
    )
    expires_at = serializers.IntegerField(help_text="Unix time the link expires.")


class ConnectAccountCreateView(PaymentsAPIView):
    permission_classes = [IsPersonOrAPIClient]

    @extend_schema(
        operation_id="connect_account_create",
        summary="Create your payee account (Stripe Express) and get an onboarding link",
        request=ConnectAccountRequestSerializer,
        parameters=[RETRY_AFTER],
        responses=error_responses({201: OnboardingSerializer}, *WITH_BODY, 502, 503),
    )
    def post(self, request):
        client = api_client_of(request)
        serializer = ConnectAccountRequestSerializer(
            data=request.data, context={"api_client": client}
        )
        serializer.is_valid(raise_exception=True)
        onboarding = connected_account_onboard(
            user=None if client else request.user, api_client=client, **serializer.validated_data
        )
        return Response(OnboardingSerializer(onboarding).data, status=status.HTTP_201_CREATED)


class ConnectAccountMeView(PaymentsAPIView):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="connect_account_me",
        summary="Your payee account and whether it can take charges",
        parameters=[RETRY_AFTER],
        responses=error_responses(
            {200: ConnectedAccountSerializer}, 404, notes={404: "You have no payee account yet."}
        ),
    )
    def get(self, request):
        account = get_object_or_404(connected_account_of_user(user=request.user))
        return Response(ConnectedAccountSerializer(account).data)
