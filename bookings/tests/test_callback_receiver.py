"""The callback receiver: signature, dedupe by event id, stale sequences, what each type does."""

import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from bookings.models import Booking, BookingStatus, Membership, ProcessedCallback
from payments.signing import callback_signature_header

pytestmark = pytest.mark.django_db
URL = "/api/bookings/webhook/payment/"
SECRET = "cbsec_bookings_test"
SESSION_ID = "6b7a3f9e-1d2c-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.PAYMENTS_CALLBACK_SECRET = SECRET


@pytest.fixture
def booking(haircut):
    return Booking.objects.create(
        service=haircut,
        customer_name="Ada",
        customer_email="ada@example.com",
        starts_at=timezone.now() + timedelta(days=3),
        deposit_amount=1000,
        currency="gbp",
        payment_session_id=SESSION_ID,
        payment_status="pending",
    )


def event(booking, type="payment.succeeded", sequence=1, event_id=None, **data):
    session = {
        "id": SESSION_ID,
        "status": type.removeprefix("payment."),
        "payable_type": "booking",
        "payable_id": str(booking.pk),
        "amount": booking.deposit_amount,
        "currency": "gbp",
        "amount_refunded": 0,
        **data,
    }
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "type": type,
        "created": int(timezone.now().timestamp()),
        "sequence": sequence,
        "data": session,
    }


def post(payload, *, secret=SECRET, body=None, header=None):
    body = body if body is not None else json.dumps(payload).encode()
    if header is None:
        header = callback_signature_header(secret=secret, body=body)
    return Client(enforce_csrf_checks=True).post(
        URL, data=body, content_type="application/json", HTTP_PAYMENTS_SIGNATURE=header
    )


def test_signed_success_confirms_the_booking(booking):
    response = post(event(booking))

    assert response.status_code == 200, response.content
    assert response.json() == {"outcome": "applied"}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.confirmed_at
    assert (booking.payment_status, booking.last_callback_sequence) == ("succeeded", 1)


def _refused(response, booking, fragment):
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert fragment in response.json()["error"]["message"]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT
    assert not ProcessedCallback.objects.exists()


def test_tampered_body_is_refused(booking):
    body = json.dumps(event(booking, "payment.failed")).encode()
    header = callback_signature_header(secret=SECRET, body=body)
    tampered = body.replace(b"payment.failed", b"payment.succeeded").replace(b'"failed"', b'"x"')

    _refused(post(None, body=tampered, header=header), booking, "No v1 signature")


def test_wrong_secret_is_refused(booking):
    _refused(post(event(booking), secret="cbsec_someone_else"), booking, "No v1 signature")


def test_missing_signature_is_refused(booking):
    _refused(post(event(booking), header=""), booking, "t=<unix time>")


def test_stale_signature_is_refused(booking):
    body = json.dumps(event(booking)).encode()
    header = callback_signature_header(secret=SECRET, body=body)

    with time_machine.travel(timezone.now() + timedelta(seconds=301), tick=False):
        _refused(post(None, body=body, header=header), booking, "300 s")


def test_unicode_digit_timestamp_is_refused_with_400(booking):
    """'¹'.isdigit() is True but int('¹') raises: the receiver must answer 400, not 500."""
    _refused(post(event(booking), header=f"t=¹,v1={'0' * 64}"), booking, "t=<unix time>")


def test_future_signature_is_refused(booking):
    body = json.dumps(event(booking)).encode()
    header = callback_signature_header(secret=SECRET, body=body)

    with time_machine.travel(timezone.now() - timedelta(seconds=301), tick=False):
        _refused(post(None, body=body, header=header), booking, "300 s")


def test_signed_body_that_is_not_a_callback_is_400(booking):
    response = post({"hello": "world"})
    assert response.status_code == 400
    assert not ProcessedCallback.objects.exists()


def test_a_repeated_event_id_changes_nothing(booking):
    first = event(booking, "payment.succeeded", event_id="evt_same")
    assert post(first).json() == {"outcome": "applied"}
    # Same id with other content (it cannot happen, but the id alone must decide).
    again = event(
        booking, "payment.refunded", sequence=2, event_id="evt_same", amount_refunded=1000
    )

    assert post(again).json() == {"outcome": "duplicate"}
    booking.refresh_from_db()
    assert (booking.amount_refunded, booking.last_callback_sequence) == (0, 1)
    assert ProcessedCallback.objects.count() == 1


def test_an_older_sequence_is_ignored(booking):
    post(event(booking, "payment.succeeded", sequence=1))
    post(event(booking, "payment.partially_refunded", sequence=3, amount_refunded=400))

    late = post(event(booking, "payment.partially_refunded", sequence=2, amount_refunded=200))

    assert late.json() == {"outcome": "stale"}
    booking.refresh_from_db()
    assert (booking.amount_refunded, booking.last_callback_sequence) == (400, 3)
    assert booking.payment_status == "partially_refunded"


def test_a_refund_arriving_before_the_success_still_confirms(booking):
    post(event(booking, "payment.refunded", sequence=2, amount_refunded=1000))
    late_success = post(event(booking, "payment.succeeded", sequence=1))

    assert late_success.json() == {"outcome": "stale"}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.amount_refunded == 1000


@pytest.mark.parametrize("kind", ["failed", "expired", "canceled"])
def test_unpaid_endings_cancel_the_booking(booking, kind):
    post(event(booking, f"payment.{kind}"))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_at
    assert booking.payment_status == kind


def test_dispute_callbacks_keep_a_confirmed_booking_and_advance_the_sequence(booking):
    post(event(booking, "payment.succeeded", sequence=1))
    response = post(event(booking, "payment.dispute_opened", sequence=2, status="succeeded"))

    assert response.json() == {"outcome": "applied"}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.last_callback_sequence == 2


def test_a_cancelled_booking_is_never_revived(booking):
    post(event(booking, "payment.expired", sequence=1))
    post(event(booking, "payment.succeeded", sequence=2))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_callbacks_for_unknown_bookings_are_acknowledged(booking):
    payload = event(booking)
    payload["data"]["payable_id"] = str(uuid.uuid4())

    response = post(payload)

    assert response.status_code == 200
    assert response.json() == {"outcome": "unknown_booking"}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT


def test_a_callback_of_another_session_is_ignored(booking):
    payload = event(booking)
    payload["data"]["id"] = str(uuid.uuid4())

    assert post(payload).json() == {"outcome": "other_session"}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT


SUBSCRIPTION_ID = "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"


@pytest.fixture
def membership(haircut):
    return Membership.objects.create(
        service=haircut, customer_name="Ada", customer_email="ada@example.com", amount=1500,
        currency="gbp", subscription_id=SUBSCRIPTION_ID, status="incomplete",
    )  # fmt: skip


def subscription_event(membership, type, sequence, status, event_id=None, **data):
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "type": type,
        "created": int(timezone.now().timestamp()),
        "sequence": sequence,
        "data": {
            "id": SUBSCRIPTION_ID, "status": status, "payable_type": "membership",
            "payable_id": str(membership.pk), "current_period_end": "2026-02-15T12:00:00Z",
            "cancel_at_period_end": False, **data,
        },
    }  # fmt: skip


def test_subscription_callbacks_move_the_membership_newest_first_and_once(membership):
    active = subscription_event(membership, "subscription.updated", 2, "active")
    past_due = subscription_event(membership, "subscription.past_due", 3, "past_due")

    assert post(past_due).json() == {"outcome": "applied"}
    assert post(active).json() == {"outcome": "stale"}  # older: arrived late
    assert post(past_due).json() == {"outcome": "duplicate"}
    membership.refresh_from_db()
    assert (membership.status, membership.is_active) == ("past_due", False)
    assert membership.last_callback_sequence == 3

    other = subscription_event(membership, "subscription.updated", 4, "active")
    other["data"]["id"] = "1a2b3c4d-0000-4000-8000-000000000000"  # not this membership's
    assert post(other).json() == {"outcome": "other_subscription"}
    unknown = subscription_event(membership, "subscription.updated", 5, "active")
    unknown["data"]["payable_id"] = str(uuid.uuid4())
    assert post(unknown).json() == {"outcome": "unknown_membership"}
    membership.refresh_from_db()
    assert membership.status == "past_due"
    assert ProcessedCallback.objects.filter(membership=membership).count() == 3
