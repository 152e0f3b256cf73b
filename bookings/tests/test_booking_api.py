"""The bookings API, talking to a real payments API over HTTP (live server + Stripe emulator)."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingStatus
from payments.models import IdempotencyKey, PaymentSession

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/bookings/"


def body(**overrides):
    data = {
        "service": "haircut",
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "starts_at": (timezone.now() + timedelta(days=2)).replace(microsecond=0).isoformat(),
    }
    data.update(overrides)
    return data


def book(site, data=None, key=None):
    """POST a booking over HTTP, as a browser or another service would."""
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(site.url + URL, json=data or body(), headers=headers, timeout=30)


def test_a_deposit_starts_a_checkout_at_payments(deployment, haircut, stripe_emulator):
    response = book(deployment, body(deposit_amount=1))  # the client cannot choose the deposit

    assert response.status_code == 201, response.text
    data = response.json()
    assert data["status"] == "pending_payment"
    assert (data["deposit_amount"], data["currency"], data["service"]) == (1000, "gbp", "haircut")
    assert data["checkout_url"].startswith(stripe_emulator.url)
    session = PaymentSession.objects.get(pk=data["payment_session_id"])
    assert (session.payable_type, session.payable_id) == ("booking", data["id"])
    assert (session.amount, session.currency, session.status) == (1000, "gbp", "pending")
    assert session.api_client == deployment.client
    assert session.success_url.endswith(f"/api/bookings/{data['id']}/")
    assert IdempotencyKey.objects.get().key == f"booking-{data['id']}-deposit"
    assert set(data) >= {"id", "status", "service", "starts_at", "payment_session_id"}


def test_no_deposit_confirms_at_once_without_payments(deployment, consultation):
    response = book(deployment, body(service="consultation"))

    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    assert response.json()["payment_session_id"] == ""
    assert not PaymentSession.objects.exists()


def test_payments_disabled_confirms_at_once_without_payments(deployment, haircut, settings):
    settings.PAYMENTS_ENABLED = False
    settings.PAYMENTS_API_URL = "http://127.0.0.1:9/never-called/"

    response = book(deployment)

    assert response.status_code == 201
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.confirmed_at
    assert (booking.deposit_amount, booking.checkout_url) == (1000, "")
    assert not PaymentSession.objects.exists()


def test_payments_unreachable_is_503_and_leaves_nothing_behind(deployment, haircut, settings):
    live_url = settings.PAYMENTS_API_URL
    settings.PAYMENTS_API_URL = "http://127.0.0.1:9/api/payments/"

    response = book(deployment)

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "payments_unavailable"
    assert "could not be reached" in error["message"] and "Nothing was booked" in error["message"]
    assert not Booking.objects.exists()

    settings.PAYMENTS_API_URL = live_url
    retry = book(deployment)
    assert retry.status_code == 201
    assert Booking.objects.get().payment_session_id == retry.json()["payment_session_id"]


def test_with_a_key_the_booking_waits_and_the_same_request_resumes_it(
    deployment, haircut, settings
):
    live_url = settings.PAYMENTS_API_URL
    settings.PAYMENTS_API_URL = "http://127.0.0.1:9/api/payments/"
    data = body()

    first = book(deployment, data, key="web-form-17")

    assert first.status_code == 503
    assert "retry with the same Idempotency-Key" in first.json()["error"]["message"]
    waiting = Booking.objects.get()
    assert waiting.status == BookingStatus.PENDING_PAYMENT and not waiting.payment_session_id

    settings.PAYMENTS_API_URL = live_url
    second = book(deployment, data, key="web-form-17")
    third = book(deployment, data, key="web-form-17")

    assert second.status_code == third.status_code == 201
    assert second.json()["id"] == third.json()["id"] == str(waiting.pk)
    assert second.json()["checkout_url"]
    assert PaymentSession.objects.count() == 1


def test_stripe_down_is_503_and_the_retry_makes_one_payment(
    deployment, haircut, stripe_emulator, stripe_sdk
):
    stripe_emulator.unreachable_next("POST", "/v1/checkout/sessions", count=3)
    data = body()

    first = book(deployment, data, key="k-1")

    assert first.status_code == 503
    assert first.json()["error"]["code"] == "payments_unavailable"
    retry = book(deployment, data, key="k-1")
    assert retry.status_code == 201
    assert PaymentSession.objects.get().status == "pending"
    assert len(stripe_sdk.v1.checkout.sessions.list().data) == 1


def test_a_key_reused_for_another_booking_is_422(deployment, haircut):
    assert book(deployment, body(), key="k-2").status_code == 201

    response = book(deployment, body(customer_name="Someone Else"), key="k-2")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1


def test_a_refused_api_key_is_502_naming_the_cause(deployment, haircut, settings):
    settings.PAYMENTS_API_KEY = "nope.not-a-key"

    response = book(deployment)

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "payments_rejected"
    assert "401" in response.json()["error"]["message"]
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"service": "skydiving"}, "service"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"starts_at": "2001-01-01T10:00:00Z"}, "starts_at"),
    ],
)
def test_invalid_requests_name_the_field(deployment, haircut, overrides, param):
    response = book(deployment, body(**overrides))

    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert not Booking.objects.exists()


def test_get_a_booking_and_404_for_unknown(deployment, haircut):
    created = book(deployment).json()
    client = APIClient()

    assert client.get(f"{URL}{created['id']}/").json() == created
    assert client.get(f"{URL}6f1c2d1e-0000-4000-8000-000000000000/").status_code == 404


def test_confirm_payment_asks_payments(deployment, haircut, stripe_emulator):
    created = book(deployment).json()
    session = PaymentSession.objects.get()
    pay = requests.post(
        f"{stripe_emulator.url}/_emulator/checkout/sessions/"
        f"{session.stripe_checkout_session_id}/pay",
        data={"payment_method": "pm_card_visa"},
        timeout=10,
    )
    assert pay.status_code == 200, pay.text
    assert stripe_emulator.wait_for_webhooks()
    assert Booking.objects.get().status == BookingStatus.PENDING_PAYMENT  # no callback ran

    response = requests.post(f"{deployment.url}{URL}{created['id']}/confirm-payment/", timeout=30)

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert response.json()["payment_status"] == "succeeded"


def test_confirm_payment_starts_a_payment_that_never_started(deployment, haircut, settings):
    live_url = settings.PAYMENTS_API_URL
    settings.PAYMENTS_API_URL = "http://127.0.0.1:9/api/payments/"
    book(deployment, key="k-3")
    booking = Booking.objects.get()
    settings.PAYMENTS_API_URL = live_url

    response = requests.post(f"{deployment.url}{URL}{booking.pk}/confirm-payment/", timeout=30)

    assert response.status_code == 200
    assert response.json()["checkout_url"]
    assert PaymentSession.objects.get().payable_id == str(booking.pk)
