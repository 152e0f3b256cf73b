"""Everything the app serves, under one prefix of the host's choosing::

    path("api/payments/", include("payments.urls")),

The API for services and people, the Stripe webhook (``webhook/stripe/``), people's JWT
endpoints (``auth/token/``, ``auth/token/refresh/``), and for any other path under the prefix
a 404 in the API's error envelope rather than the host's HTML page.
"""

from django.urls import path, re_path

from payments.api import tokens
from payments.api.errors import not_found
from payments.api.urls import urlpatterns as api_urlpatterns

app_name = "payments"

urlpatterns = [
    *api_urlpatterns,
    path("auth/token/", tokens.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", tokens.TokenRefreshOfUserView.as_view(), name="token-refresh"),
    # Last: whatever the patterns above do not match (an APPEND_SLASH redirect included, which
    # a client's POST would not survive anyway).
    re_path(r"^(?P<unmatched>.*)$", not_found, name="not-found"),
]
