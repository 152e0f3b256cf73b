"""The DRF configuration every payments view carries itself.

The host project's ``REST_FRAMEWORK`` setting configures the host's own views; the app's views
do not read it for authentication, permissions, parsers, renderers, pagination, throttling or
error handling, and so work the same in any project (and leave the host's views alone).
"""

from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from payments.api.errors import exception_handler
from payments.api.parsers import GuardedJSONParser, check_content_length, check_request_text
from payments.api.permissions import APIClientKeyAuthentication, IsAuthenticatedCaller
from payments.api.throttling import DEFAULT_THROTTLES, FailedAuthenticationThrottle


class PaymentsAPIMixin:
    """Put first in the bases of every payments view: ``class V(PaymentsAPIMixin, ListAPIView)``."""

    # API clients: ``Api-Key``; people: a Bearer JWT or a Django session (staff in the admin).
    authentication_classes = [APIClientKeyAuthentication, JWTAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedCaller]  # each view narrows it
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    parser_classes = [GuardedJSONParser]
    throttle_classes = DEFAULT_THROTTLES
    content_negotiation_class = DefaultContentNegotiation
    pagination_class = None  # list views name theirs
    versioning_class = None
    filter_backends: list = []

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        """DRF's ``initial`` with two changes: an oversized body or unstorable text is refused
        first, unread; throttles run before permissions, so requests without credentials
        (answered 401) are counted per address too."""
        check_content_length(request)
        check_request_text(request, kwargs)
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request
        )
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        self.perform_authentication(request)
        self.check_throttles(request)
        self.check_permissions(request)

    def perform_authentication(self, request):
        failures = FailedAuthenticationThrottle()
        if failures.exceeded(request):
            self.throttled(request, failures.wait())
        try:
            request.user  # noqa: B018  (authenticates, as DRF's own perform_authentication)
        except AuthenticationFailed:
            failures.record_failure(request)
            raise


class PaymentsAPIView(PaymentsAPIMixin, APIView):
    """``APIView`` with the app's own configuration."""
