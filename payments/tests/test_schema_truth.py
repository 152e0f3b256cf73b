"""The OpenAPI schema tells the truth: null URLs, documented statuses, bounds, filter 400s."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from payments.tests.fixtures import checkout_body

SESSIONS = "/api/payments/sessions/"


@pytest.fixture
def openapi(settings):
    return SchemaGenerator().get_schema(request=None, public=True)


def test_absent_urls_are_null_not_empty(service, stripe_emulator):
    body = checkout_body()
    del body["success_url"], body["cancel_url"]
    response = service.post_json("/api/payments/payment-intents/", body)
    assert response.status_code == 201, response.content
    assert response.json()["checkout_url"] is None
    assert response.json()["receipt_url"] is None


def test_schema_declares_the_urls_nullable(openapi):
    session = openapi["components"]["schemas"]["PaymentSession"]["properties"]
    for name in ("checkout_url", "receipt_url"):
        assert session[name]["nullable"] is True
        assert session[name]["format"] == "uri"


def test_amount_bounds_and_currency_enum_are_in_the_schema(openapi, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "CURRENCIES": ["usd", "sek"], "MAX_AMOUNT": 1000}
    schema = SchemaGenerator().get_schema(request=None, public=True)
    fields = schema["components"]["schemas"]["CheckoutRequestRequest"]["properties"]
    enum = fields["currency"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][enum]["enum"] == ["usd", "sek"]
    assert (fields["amount"]["minimum"], fields["amount"]["maximum"]) == (50, 1000)


def test_every_operation_documents_auth_and_throttling_errors(openapi):
    for path, operations in openapi["paths"].items():
        if path.startswith("/api/bookings/"):  # the sample client: not throttled
            continue
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert "429" in statuses, (method, path)
            envelope = operation["responses"]["429"]["content"]["application/json"]["schema"]
            assert envelope == {"$ref": "#/components/schemas/Error"}, (method, path)
            if "{id}" in path and path.startswith("/api/payments/"):
                assert "404" in statuses, (method, path)
            if path.startswith("/api/payments/") and not _public(operation):
                assert {"401", "403"} <= statuses, (method, path)
            if _public(operation):  # the token views: no credentials to refuse, no 403
                assert "401" in statuses and "403" not in statuses, (method, path)


def _public(operation: dict) -> bool:
    """An operation any caller may use: its only security requirement is the empty one."""
    return operation.get("security", [{}]) == [{}]


def test_the_token_endpoints_are_documented_at_both_addresses(openapi):
    for prefix in ("/api/auth/", "/api/payments/auth/"):
        for path in (f"{prefix}token/", f"{prefix}token/refresh/"):
            responses = openapi["paths"][path]["post"]["responses"]
            assert {"200", "400", "401", "413", "415", "429"} <= set(responses), path


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("status=", "status"),
        ("status=paid-ish", "status"),
        ("payable_type=", "payable_type"),
        ("created_after=yesterday", "created_after"),
        ("limit=[]", "limit"),
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
    ],
)
def test_invalid_session_filters_answer_400_naming_the_parameter(service, query, param):
    response = service.get(f"{SESSIONS}?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize(
    "moment",
    ["0004-07-31T21:03:08-02:58", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"],
)
def test_dates_at_the_ends_of_the_calendar_are_valid_filters(service, moment):
    for name in ("created_after", "created_before"):
        response = service.get(SESSIONS, {name: moment})
        assert response.status_code == 200, (name, response.content)


def test_the_schema_says_a_cursor_is_opaque_and_refused_with_400(openapi, service):
    for path in (SESSIONS, "/api/payments/"):
        operation = openapi["paths"][path]["get"]
        (cursor,) = [p for p in operation["parameters"] if p["name"] == "cursor"]
        assert "invalid_cursor" in cursor["description"], path
        assert "400" in operation["responses"], path
    response = service.get(f"{SESSIONS}?cursor=response_status")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_valid_limit_is_the_page_size(service):
    response = service.get(f"{SESSIONS}?limit=200")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("query", "param"), [("role=", "role"), ("role=owner", "role"), ("user_type=x", "user_type")]
)
def test_invalid_role_filters_answer_400(student, query, param):
    response = student.get(f"/api/payments/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["param"] == param
