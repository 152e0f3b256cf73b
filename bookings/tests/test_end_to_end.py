"""End to end over real HTTP: bookings -> payments -> Stripe (emulator) -> webhook -> callback.

The live server serves both apps; the emulator plays Stripe and the customer's card; the task
worker's test equivalent delivers the callbacks.
"""

from datetime import timedelta

import pytest
import requests
import time_machine
from django.utils import timezone

from bookings.models import Booking, BookingStatus, ProcessedCallback
from payments.models import CallbackEvent, PaymentSession
from payments.testing.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def book(deployment) -> dict:
    response = requests.post(
        deployment.url + "/api/bookings/",
        json={
            "service": "haircut",
            "customer_name": "Ada Lovelace",
            "customer_email": "ada@example.com",
            "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def pay(emulator, checkout_url: str, payment_method: str) -> None:
    """What the customer does on the Checkout page, through the emulator's control endpoint."""
    page = requests.get(checkout_url, timeout=10)
    assert page.status_code == 200
    checkout_session_id = PaymentSession.objects.get().stripe_checkout_session_id
    assert checkout_session_id in checkout_url or checkout_session_id in page.text
    response = requests.post(
        f"{emulator.url}/_emulator/checkout/sessions/{checkout_session_id}/pay",
        data={"payment_method": payment_method},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert emulator.wait_for_webhooks()


def test_paying_the_deposit_confirms_the_booking_through_the_callback(
    deployment, haircut, stripe_emulator
):
    booking = book(deployment)
    assert booking["status"] == "pending_payment"

    pay(stripe_emulator, booking["checkout_url"], "pm_card_visa")
    assert PaymentSession.objects.get().status == "succeeded"
    assert Booking.objects.get().status == BookingStatus.PENDING_PAYMENT  # callback not sent yet
    run_queued_tasks()

    confirmed = requests.get(f"{deployment.url}/api/bookings/{booking['id']}/", timeout=10).json()
    assert confirmed["status"] == "confirmed"
    assert confirmed["payment_status"] == "succeeded"
    callback = CallbackEvent.objects.get()
    assert (callback.type, callback.status) == ("payment.succeeded", "delivered")
    processed = ProcessedCallback.objects.get()
    assert (processed.event_id, processed.outcome) == (callback.id, "applied")


def test_a_declined_card_keeps_the_booking_open_until_checkout_expires(
    deployment, haircut, stripe_emulator
):
    booking = book(deployment)

    pay(stripe_emulator, booking["checkout_url"], "pm_card_visa_chargeDeclined")
    run_queued_tasks()

    assert PaymentSession.objects.get().status == "pending"
    assert Booking.objects.get().status == BookingStatus.PENDING_PAYMENT  # the customer may retry
    assert not CallbackEvent.objects.exists()

    expires_at = PaymentSession.objects.get().expires_at
    with time_machine.travel(expires_at + timedelta(minutes=1)):
        assert stripe_emulator.expire_due_sessions()
        assert stripe_emulator.wait_for_webhooks()
        run_queued_tasks()

    # Stripe cancels the abandoned PaymentIntent first; the session still ends "expired".
    assert PaymentSession.objects.get().status == "expired"
    cancelled = Booking.objects.get()
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.payment_status == "expired"
    assert CallbackEvent.objects.get().type == "payment.expired"
