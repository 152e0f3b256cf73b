"""Bad input of any shape: a 4xx in the error envelope, never a 500, and nothing written."""

import base64
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from payments.models import Customer, IdempotencyKey, PaymentLog, PaymentSession
from payments.testing.factories import PaymentSessionFactory
from payments.tests.fixtures import checkout_body
from payments.tests.people_support import PASSWORD

CHECKOUT = "/api/payments/checkout/"
DEEP = b"[" * 100_000


def _counts():
    return (
        PaymentSession.objects.count(),
        Customer.objects.count(),
        IdempotencyKey.objects.count(),
        PaymentLog.objects.count(),
    )


def assert_envelope(response, status, *, code=None, param=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"type", "code", "message", "param"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    if param is not None:
        assert error["param"] == param
    return error


def _post_raw(client, path, body: bytes, **extra):
    return client.post(path, data=body, content_type="application/json", **extra)


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"metadata": {"order\u0000ref": "A-1"}}, "metadata"),
        ({"metadata": {"order_ref": "A\u0000-1"}}, "metadata.order_ref"),
        ({"idempotency_key": "key\u0000one"}, "idempotency_key"),
        ({"description": "half a pair \ud800"}, "description"),
        ({"customer": {"email": "ada@example.com", "name": "\udfffAda"}}, "customer.name"),
        ({"payable_id": "\u0000"}, "payable_id"),
    ],
    ids=["nul-in-key", "nul-in-value", "nul-in-body-key", "surrogate", "nested-surrogate", "id"],
)
def test_unstorable_text_anywhere_in_the_body_is_400_naming_it(service, overrides, param):
    before = _counts()
    body = json.dumps(checkout_body(**overrides)).encode()  # ASCII: "\u0000" and "\ud800" escapes

    response = _post_raw(service, CHECKOUT, body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))

    error = assert_envelope(response, 400, code="invalid_input", param=param)
    assert "NUL" in error["message"] or "surrogate" in error["message"]
    assert _counts() == before


def test_the_body_idempotency_key_with_a_nul_is_400_without_a_header(service):
    body = json.dumps(checkout_body(idempotency_key="k\u0000")).encode()

    response = _post_raw(service, CHECKOUT, body)

    assert_envelope(response, 400, param="idempotency_key")
    assert _counts() == (0, 0, 0, 0)


def test_a_nul_in_the_query_string_url_or_idempotency_header_is_400(service, student):
    listing = service.get("/api/payments/sessions/", {"payable_id": "bk\x00"})
    header = service.post(CHECKOUT, checkout_body(), format="json", HTTP_IDEMPOTENCY_KEY="k\x00")
    card = student.delete("/api/payments/payment-methods/pm%00x/")
    api_key = Client().get("/api/payments/sessions/", HTTP_AUTHORIZATION="Api-Key ab\x00c.def")

    assert_envelope(listing, 400, param="payable_id")
    assert_envelope(header, 400, param="Idempotency-Key")
    assert_envelope(card, 400, param="payment_method")
    assert_envelope(api_key, 400, param="Authorization")
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "path",
    ["/api/payments/checkout/", "/api/payments/auth/token/", "/api/auth/token/refresh/"],
)
def test_deep_nesting_is_refused_before_parsing(service, path):
    response = _post_raw(service, path, DEEP, HTTP_IDEMPOTENCY_KEY="deep-1")

    assert_envelope(response, 400, code="json_too_deep")
    assert _counts() == (0, 0, 0, 0)


def test_nesting_within_the_limit_still_parses(service):
    nested = checkout_body(metadata={"order_ref": "A-1"})
    response = _post_raw(service, CHECKOUT, json.dumps(nested).encode(), HTTP_IDEMPOTENCY_KEY="k")
    too_deep = {"customer": {"email": "a@example.com", "name": json.loads("[" * 40 + "]" * 40)}}

    assert response.status_code != 400 or response.json()["error"]["code"] != "json_too_deep"
    deep = _post_raw(service, CHECKOUT, json.dumps(checkout_body(**too_deep)).encode())
    assert_envelope(deep, 400, code="json_too_deep")


def test_a_body_over_the_cap_is_413_before_it_is_read(service, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "MAX_BODY_BYTES": 2000}
    body = checkout_body(description="x" * 400, metadata={f"k{i}": "v" * 100 for i in range(20)})

    response = service.post(CHECKOUT, body, format="json", HTTP_IDEMPOTENCY_KEY="big-1")

    assert_envelope(response, 413, code="payload_too_large")
    assert _counts() == (0, 0, 0, 0)


def test_the_default_cap_is_one_mebibyte(service):
    body = b'{"description": "' + b"x" * (1024 * 1024) + b'"}'

    response = _post_raw(service, CHECKOUT, body, HTTP_IDEMPOTENCY_KEY="big-2")

    assert_envelope(response, 413, code="payload_too_large")


@pytest.mark.parametrize(
    "body",
    [b"[]", b'"text"', b"1", b"null", b"true", b"{", b"\xff\xfe", b'{"amount": NaN}'],
    ids=["list", "string", "number", "null", "bool", "truncated", "not-utf8", "nan"],
)
def test_bodies_that_are_not_an_object_are_400(service, body):
    response = _post_raw(service, CHECKOUT, body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))

    assert_envelope(response, 400)
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount": 10**40},
        {"amount": -1},
        {"amount": "2500"},
        {"amount": 2500.5},
        {"customer": ["ada@example.com"]},
        {"metadata": ["order_ref"]},
        {"metadata": {"n": {"deeper": 1}}},
        {"currency": 978},
        {"payable_type": None},
    ],
    ids=["huge", "negative", "text", "fraction", "list", "list-meta", "nested-meta", "num", "null"],
)
def test_wrong_types_and_out_of_range_numbers_are_400(service, overrides):
    response = service.post_json(CHECKOUT, checkout_body(**overrides))

    assert_envelope(response, 400)
    assert _counts() == (0, 0, 0, 0)


def test_an_overflowing_float_is_400_naming_the_number(service):
    body = json.dumps(checkout_body()).replace('"amount": 2500', '"amount": 1e400').encode()

    response = _post_raw(service, CHECKOUT, body, HTTP_IDEMPOTENCY_KEY="inf-1")

    assert_envelope(response, 400, code="number_out_of_range")
    assert _counts() == (0, 0, 0, 0)


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("p=notadate"),
        _cursor("p=10000-01-01 00:00:00+00:00"),
        _cursor("p=9999-12-31 23:59:59-14:00"),
        _cursor("o=abc"),
        "not base64 at all!",
        "%00",
    ],
    ids=["not-a-date", "year-10000", "overflowing-offset", "bad-offset", "garbage", "nul"],
)
def test_a_tampered_cursor_is_400_naming_cursor(service, student, cursor):
    for client, path in ((service, "/api/payments/sessions/"), (student, "/api/payments/")):
        response = client.get(path, {"cursor": cursor})

        assert_envelope(response, 400, param="cursor")


def test_a_real_cursor_still_pages(service):
    PaymentSessionFactory.create_batch(3, api_client=service.api_client)
    first = service.get("/api/payments/sessions/", {"limit": 1}).json()

    assert first["next"]
    assert service.get(first["next"]).status_code == 200


def test_a_deleted_users_refresh_and_access_tokens_are_401(db):
    user = get_user_model().objects.create_user(username="gone", password=PASSWORD)
    client = Client()
    tokens = client.post(
        "/api/auth/token/",
        {"username": "gone", "password": PASSWORD},
        content_type="application/json",
    ).json()
    user.delete()

    for path in ("/api/auth/token/refresh/", "/api/payments/auth/token/refresh/"):
        refresh = client.post(path, {"refresh": tokens["refresh"]}, content_type="application/json")
        assert_envelope(refresh, 401, code="no_active_account")
    access = client.get("/api/payments/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert_envelope(access, 401)


@pytest.mark.parametrize("token", ["\x1c", " \n "])
def test_a_whitespace_only_refresh_token_is_a_refused_token_not_a_missing_field(db, token):
    for path in ("/api/auth/token/refresh/", "/api/payments/auth/token/refresh/"):
        response = Client().post(path, {"refresh": token}, content_type="application/json")
        assert_envelope(response, 401, code="token_not_valid")
