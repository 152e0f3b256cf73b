"""``/api/payments/connect/accounts/``: payees' Stripe Connect accounts and onboarding.

A signed-in person creates (or gets back) their own Express account; an API client registers
a payee of its own under ``payee_reference``. Both get a fresh onboarding link each time:
one account per person or reference, so the call is safe to repeat without a key.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response

from payments.api.base import PaymentsAPIView
from payments.api.people_serializers import (
    ConnectAccountRequestSerializer,
    ConnectedAccountSerializer,
    OnboardingSerializer,
)
from payments.api.people_views import IsPerson
from payments.api.permissions import api_client_of
from payments.api.schema import RETRY_AFTER, WITH_BODY, error_responses
from payments.models import ConnectedAccount
from payments.services.connect import connected_account_onboard


class IsPersonOrAPIClient(permissions.BasePermission):
    message = "Sign in as a person (Bearer token) or use an API key."

    def has_permission(self, request, view) -> bool:
        return api_client_of(request) is not None or IsPerson().has_permission(request, view)


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
        serializer = ConnectAccountRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wanted = serializer.validated_data
        client = api_client_of(request)
        if client is not None and not wanted["payee_reference"]:
            raise serializers.ValidationError(
                {"payee_reference": "API clients name the payee they register."}
            )
        onboarding = connected_account_onboard(
            user=None if client else request.user, api_client=client, **wanted
        )
        body = {
            "account": ConnectedAccountSerializer(onboarding.account).data,
            "onboarding_url": onboarding.url,
            "expires_at": onboarding.expires_at,
        }
        return Response(body, status=status.HTTP_201_CREATED)


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
        account = get_object_or_404(ConnectedAccount, user=request.user)
        return Response(ConnectedAccountSerializer(account).data)
