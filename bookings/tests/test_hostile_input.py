"""Bad input to the bookings API: 400 in its error envelope, never a 500, nothing booked."""

import json

import pytest
from django.test import Client

from bookings.models import Booking


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"service": "haircut\u0000", "customer_name": "Ada"}).encode(),
        json.dumps({"service": "haircut", "customer_name": "Ada \ud800"}).encode(),
        b"[" * 100_000,
        b'{"service": "haircut", "n": 1e400}',
    ],
    ids=["nul-in-service", "surrogate", "deep", "overflow"],
)
def test_unstorable_or_deep_bodies_are_400(haircut, body):
    response = Client().post("/api/bookings/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert Booking.objects.count() == 0


def test_a_body_over_256_kib_is_413(haircut):
    body = b'{"customer_name": "' + b"x" * (256 * 1024) + b'"}'

    response = Client().post("/api/bookings/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert Booking.objects.count() == 0


def test_a_booking_id_that_is_not_a_uuid_is_a_404_in_the_envelope(client):
    response = client.get("/api/bookings/null,null/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_booking_is_a_404_in_the_envelope(db):
    response = Client().get("/api/bookings/e3e70682-c209-1cac-a29f-6fbed82c07cd/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_post_with_a_session_cookie_to_no_endpoint_is_a_404_not_a_csrf_page(db):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["sessionid"] = "x"

    response = browser.post("/api/bookings/null,null/confirm-payment/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_oversized_callback_is_413_before_it_is_read(db):
    body = b'{"id": "' + b"x" * (256 * 1024) + b'"}'

    response = Client().post(
        "/api/bookings/webhook/payment/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
