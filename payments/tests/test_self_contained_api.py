"""The app's views carry their own DRF configuration: any host REST_FRAMEWORK works, and the
host's own DRF views keep whatever that setting says. One error envelope for every error."""

import uuid

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from payments.api.errors import exception_handler
from payments.models import PaymentSession
from payments.testing.factories import PaymentSessionFactory
from payments.tests.test_hostile_input import assert_envelope


def _host_handler(error, context):
    return Response({"host": "handled", "detail": str(error)}, status=418)


HOST_VIEW = {}


def host_view(request):
    return HOST_VIEW["view"](request)


urlpatterns = [
    path("host/", host_view),
    path("api/payments/", include("payments.urls")),
]

HOST_REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.FormParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.BrowsableAPIRenderer",
        "rest_framework.renderers.JSONRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "2/day"},
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 1,
    "EXCEPTION_HANDLER": "payments.tests.test_self_contained_api._host_handler",
}


@pytest.fixture
def host_project(settings):
    """This module as the ROOT_URLCONF, under a REST_FRAMEWORK unlike the sample project's."""
    settings.ROOT_URLCONF = __name__
    with override_settings(REST_FRAMEWORK=HOST_REST_FRAMEWORK):

        class HostAnonThrottle(AnonRateThrottle):
            THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

        class HostView(APIView):
            # What a host's view gets from its REST_FRAMEWORK (DRF binds these when APIView is
            # imported, so a view of a project started with these settings has exactly these).
            renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES
            parser_classes = api_settings.DEFAULT_PARSER_CLASSES
            authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
            permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES
            throttle_classes = [HostAnonThrottle]

            def get(self, request):
                return Response({"auth": request.auth is not None})

        HOST_VIEW["view"] = HostView.as_view()
        yield


def test_under_a_host_rest_framework_the_api_still_authenticates_and_answers_envelopes(
    host_project, service, other_service
):
    PaymentSessionFactory.create_batch(2, api_client=service.api_client)

    listing = service.get("/api/payments/sessions/")
    again = service.get("/api/payments/sessions/")  # the host's 1/day anon throttle is not ours
    anonymous = APIClient().get("/api/payments/sessions/")
    invalid = service.post(
        "/api/payments/checkout/", {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    wrong_key = APIClient().get("/api/payments/sessions/", HTTP_AUTHORIZATION="Api-Key nope.x")

    assert listing.status_code == again.status_code == 200
    assert listing["Content-Type"] == "application/json"
    assert len(listing.json()["results"]) == 2  # our cursor pagination, not the host's page of 1
    assert "next" in listing.json() and "count" not in listing.json()
    assert_envelope(anonymous, 401)
    assert_envelope(invalid, 400)
    assert_envelope(wrong_key, 401, code="authentication_failed")
    assert other_service.get("/api/payments/sessions/").json()["results"] == []
    assert PaymentSession.objects.count() == 2


def test_the_host_view_keeps_the_hosts_configuration(host_project, service):
    html = APIClient().get("/host/")
    with_key = service.get("/host/", HTTP_ACCEPT="application/json")
    throttled = APIClient().get("/host/")

    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert with_key.json() == {"auth": False}  # our API-key authentication is not the host's
    # The host's throttle (2/day) and its own exception handler (418), not our envelope.
    assert throttled.status_code == 418 and b"handled" in throttled.content


def test_one_include_serves_every_documented_path(student, service, host_project):
    # student signed in through /api/auth/token/ of the sample project; the app's own token
    # endpoint works under the include too.
    token = APIClient().post(
        "/api/payments/auth/token/",
        {"username": student.user.username, "password": "correct horse battery staple"},
        format="json",
    )
    webhook = APIClient().post(
        "/api/payments/webhook/stripe/", b"{}", content_type="application/json"
    )

    assert token.status_code == 200 and token.json()["access"]
    assert_envelope(webhook, 400, code="invalid_signature")
    assert service.get("/api/payments/sessions/").status_code == 200
    assert student.get("/api/payments/").status_code == 200
    assert student.get("/api/payments/payment-methods/").status_code in (200, 503)


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("get", "/api/payments/no-such-thing/", {}, 404),
        ("get", "/api/payments/sessions", {}, 404),  # no slash: no HTML redirect either
        ("get", f"/api/payments/sessions/{uuid.uuid4()}/", {}, 404),
        ("delete", "/api/payments/checkout/", {}, 405),
        ("get", "/api/payments/sessions/", {"HTTP_ACCEPT": "application/xml"}, 406),
        ("post", "/api/payments/checkout/", {"data": "x=1", "content_type": "text/plain"}, 415),
    ],
    ids=["unknown-path", "no-slash", "unknown-id", "405", "406", "415"],
)
def test_every_error_is_in_the_envelope(service, method, path, extra, status):
    response = getattr(service, method)(path, **extra)

    assert_envelope(response, status)


def test_a_post_with_a_session_cookie_to_no_endpoint_is_a_404_not_a_csrf_page(db):
    browser = APIClient(enforce_csrf_checks=True)
    browser.cookies["sessionid"] = "x"

    response = browser.post("/api/payments/sessions/null,null/refunds/", {}, format="json")

    assert_envelope(response, 404, code="not_found")


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


CONFIGURATION = [
    "authentication_classes",
    "permission_classes",
    "parser_classes",
    "renderer_classes",
    "throttle_classes",
    "content_negotiation_class",
    "pagination_class",
]


def test_no_payments_view_falls_back_to_the_hosts_rest_framework():
    """DRF binds REST_FRAMEWORK's defaults into APIView when it is imported: a view that does
    not set an attribute itself gets the host's value. Every DRF view of the include sets all."""
    drf_views = [
        view.cls
        for view in _views(get_resolver("payments.urls").url_patterns)
        if hasattr(view, "cls")
    ]

    assert len(drf_views) >= 15
    for view in drf_views:
        for name in CONFIGURATION:
            owner = next(klass for klass in view.__mro__ if name in vars(klass))
            assert owner.__module__.startswith("payments."), (view, name, owner)
        assert view().get_exception_handler() is exception_handler, view
