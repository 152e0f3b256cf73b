"""``POST auth/token/`` and ``auth/token/refresh/``: people's JWTs (djangorestframework-simplejwt).

The app's own views, so they carry its parsers, error envelope and throttles: every request is
counted per address (``token``), and failed logins or refused refresh tokens per address
(``auth_failure``); over that rate the address gets 429 even with the right password.
"""

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from payments.api.base import PaymentsAPIMixin
from payments.api.throttling import FailedAuthenticationThrottle, TokenRateThrottle


class RefreshOfExistingUserSerializer(TokenRefreshSerializer):
    """simplejwt looks the user up with ``.get()``: a deleted user's token raised
    ``User.DoesNotExist`` (a 500). It is a refused token (401) like any other.

    The token is taken as sent: a whitespace-only one is a refused token (401), not trimmed to
    "" and answered as a missing field (400) to a request the schema allows."""

    refresh = serializers.CharField(trim_whitespace=False)

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None


class _TokenView(PaymentsAPIMixin):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]

    def post(self, request, *args, **kwargs):
        failures = FailedAuthenticationThrottle()
        if failures.exceeded(request):
            self.throttled(request, failures.wait())
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:  # wrong password, bad or expired token (InvalidToken)
            failures.record_failure(request)
            raise


class TokenObtainView(_TokenView, TokenObtainPairView):
    """Username and password in, an access and a refresh token out."""


class TokenRefreshOfUserView(_TokenView, TokenRefreshView):
    """A refresh token in, a new access token out."""

    serializer_class = RefreshOfExistingUserSerializer
