"""Bad input gets a 400 naming the field, never a 500 and never a half-written record."""

import pytest

from payments.models import Customer, IdempotencyKey, PaymentSession
from payments.tests.fixtures import checkout_body

pytestmark = pytest.mark.django_db
URL = "/api/payments/checkout/"


def _without(field):
    body = checkout_body()
    del body[field]
    return body


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (_without("payable_type"), "payable_type"),
        (checkout_body(payable_type="Booking Type!"), "payable_type"),
        (checkout_body(payable_type="x" * 51), "payable_type"),
        (_without("payable_id"), "payable_id"),
        (checkout_body(payable_id=""), "payable_id"),
        (checkout_body(payable_id="x" * 256), "payable_id"),
        (_without("amount"), "amount"),
        (checkout_body(amount=0), "amount"),
        (checkout_body(amount=-100), "amount"),
        (checkout_body(amount=29), "amount"),
        (checkout_body(amount=49, currency="jpy"), "amount"),
        (checkout_body(amount=25.5), "amount"),
        (checkout_body(amount="2500"), "amount"),
        (checkout_body(amount=True), "amount"),
        (checkout_body(amount=10**12), "amount"),
        (checkout_body(currency="xyz"), "currency"),
        (checkout_body(currency="pounds"), "currency"),
        (checkout_body(description="d" * 501), "description"),
        (_without("customer"), "customer"),
        (checkout_body(customer={"name": "No Email"}), "customer.email"),
        (checkout_body(customer={"email": "not-an-email"}), "customer.email"),
        (checkout_body(customer="ada@example.com"), "customer"),
        (_without("success_url"), "success_url"),
        (checkout_body(success_url="javascript:alert(1)"), "success_url"),
        (checkout_body(success_url="ftp://example.com/x"), "success_url"),
        (checkout_body(cancel_url="not a url"), "cancel_url"),
        (checkout_body(metadata=["a"]), "metadata"),
        (checkout_body(metadata={"payments_session_id": "spoof"}), "metadata"),
        (checkout_body(metadata={f"k{i}": "v" for i in range(41)}), "metadata"),
        (checkout_body(metadata={"k" * 41: "v"}), "metadata"),
        (checkout_body(metadata={"k": "v" * 501}), "metadata.k"),
    ],
)
def test_bad_field_is_400_naming_it_and_writes_nothing(service, stripe_emulator, body, param):
    response = service.post_json(URL, body)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert param.split(".")[-1] in error["message"] or param in error["message"]
    assert not PaymentSession.objects.exists()
    assert not Customer.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [("{not json", "application/json"), ("[1, 2]", "application/json"), ("", "application/json")],
)
def test_malformed_bodies_are_400_not_500(service, stripe_emulator, raw, content_type):
    response = service.post(URL, raw, content_type=content_type, HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 400
    assert "error" in response.json()
    assert not PaymentSession.objects.exists()


def test_amount_error_names_the_minimum_in_money(service, stripe_emulator):
    response = service.post_json(URL, checkout_body(amount=10))
    assert "£0.30" in response.json()["error"]["message"]


def test_currency_is_case_insensitive(service, stripe_emulator):
    response = service.post_json(URL, checkout_body(currency="GBP"))
    assert response.status_code == 201
    assert response.json()["currency"] == "gbp"
