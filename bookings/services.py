"""Booking services: create a booking, start and follow its deposit payment.

Payments is another service: we reach it only through ``payments_client`` (HTTP) and hear back
through signed callbacks (``payment_callback_process``). What payments says about a session is
applied as a snapshot, so callbacks may arrive late, twice or out of order.
"""

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bookings import payments_client
from bookings.memberships import member_of
from bookings.models import Booking, BookingStatus, ProcessedCallback, Service

PAID = {"succeeded", "partially_refunded", "refunded"}
ENDED_UNPAID = {"failed", "canceled", "expired"}


class BookingKeyReused(Exception):
    """The Idempotency-Key came before with a different booking request."""


def _booking_get_or_create(
    *, idempotency_key: str | None, fingerprint: str, **fields: Any
) -> Booking:
    """A new booking; with a key, the booking an earlier request with that key created."""
    if not idempotency_key:
        return Booking.objects.create(**fields)
    try:
        with transaction.atomic():
            return Booking.objects.create(
                idempotency_key=idempotency_key, request_fingerprint=fingerprint, **fields
            )
    except IntegrityError:
        existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
    if existing.request_fingerprint != fingerprint:
        raise BookingKeyReused(
            "This Idempotency-Key was used for a different booking request; use a new key."
        )
    return existing


def booking_create(
    *,
    service: Service,
    customer_name: str,
    customer_email: str,
    starts_at: datetime,
    base_url: str,
    idempotency_key: str | None = None,
) -> Booking:
    """Book ``service``; when a deposit is due, start its payment with the payments service.

    The deposit comes from the service, never from the request. With no deposit, for a
    member with an active membership of the service (``memberships``), or with
    ``PAYMENTS_ENABLED`` off, the booking is confirmed at once and payments is not called.
    If payments cannot be reached, ``PaymentsError`` propagates: a booking made without an
    Idempotency-Key is removed (a plain retry starts afresh); one made with a key stays
    ``pending_payment`` and a retry with the same key resumes it.
    """
    request = {
        "service": service.slug,
        "customer_name": customer_name,
        "customer_email": customer_email,
        "starts_at": starts_at.isoformat(),
    }
    member = member_of(service=service, email=customer_email)
    no_payment = service.deposit_amount == 0 or member or not settings.PAYMENTS_ENABLED
    booking = _booking_get_or_create(
        idempotency_key=idempotency_key,
        fingerprint=hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest(),
        service=service,
        customer_name=customer_name,
        customer_email=customer_email,
        starts_at=starts_at,
        deposit_amount=0 if member else service.deposit_amount,
        currency=service.currency,
        status=BookingStatus.CONFIRMED if no_payment else BookingStatus.PENDING_PAYMENT,
        confirmed_at=timezone.now() if no_payment else None,
    )
    return booking_payment_start(
        booking=booking, base_url=base_url, discard_on_failure=not idempotency_key
    )


def _checkout_body(*, booking: Booking, base_url: str) -> dict[str, Any]:
    return_url = urljoin(base_url, reverse("bookings:booking-detail", args=[booking.pk]))
    return {
        "payable_type": "booking",
        "payable_id": str(booking.pk),
        "amount": booking.deposit_amount,
        "currency": booking.currency,
        "description": f"Deposit: {booking.service.name}, {booking.starts_at:%d %b %Y %H:%M}",
        "customer": {"email": booking.customer_email, "name": booking.customer_name},
        "success_url": return_url,
        "cancel_url": return_url,
        "metadata": {"booking_id": str(booking.pk), "service": booking.service.slug},
    }


def booking_payment_start(
    *, booking: Booking, base_url: str, discard_on_failure: bool = False
) -> Booking:
    """Ask payments for the deposit's Checkout Session, once (the key is derived from the
    booking id, so repeating this after a failure or a crash resumes the same payment)."""
    if booking.status != BookingStatus.PENDING_PAYMENT or booking.payment_session_id:
        return booking
    try:
        session = payments_client.checkout_create(
            idempotency_key=booking.payment_idempotency_key,
            body=_checkout_body(booking=booking, base_url=base_url),
        )
    except payments_client.PaymentsError:
        if discard_on_failure:
            booking.delete()
        raise
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        booking.checkout_url = session.get("checkout_url") or ""
        _apply_session(booking, session)
        booking.save()
    return booking


def _apply_session(booking: Booking, session: dict[str, Any]) -> None:
    """Apply what payments says about the booking's session. Only moves forward."""
    booking.payment_session_id = booking.payment_session_id or str(session["id"])
    booking.payment_status = str(session.get("status") or "")
    refunded = min(int(session.get("amount_refunded") or 0), booking.deposit_amount)
    booking.amount_refunded = max(booking.amount_refunded, refunded)
    if booking.status != BookingStatus.PENDING_PAYMENT:
        return
    if booking.payment_status in PAID:
        booking.status, booking.confirmed_at = BookingStatus.CONFIRMED, timezone.now()
    elif booking.payment_status in ENDED_UNPAID:
        booking.status, booking.cancelled_at = BookingStatus.CANCELLED, timezone.now()


def booking_payment_refresh(*, booking: Booking, base_url: str) -> Booking:
    """Ask payments how the deposit stands and update the booking (the browser's return
    from Checkout). A booking whose payment never started (payments was down) starts it."""
    if not booking.payment_session_id:
        return booking_payment_start(booking=booking, base_url=base_url)
    session = payments_client.session_retrieve(session_id=booking.payment_session_id)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _apply_session(booking, session)
        booking.save()
    return booking


def _booking_for_callback(data: dict[str, Any]) -> Booking | None:
    if data.get("payable_type") != "booking":
        return None
    try:
        booking_id = uuid.UUID(str(data.get("payable_id")))
    except ValueError:
        return None
    return Booking.objects.select_for_update().filter(pk=booking_id).first()


@transaction.atomic
def payment_callback_process(
    *, event_id: str, type: str, sequence: int, data: dict[str, Any]
) -> str:
    """Apply one verified callback. Returns the outcome: ``applied``, ``duplicate`` (event id
    seen before), ``stale`` (older than the last applied sequence), ``unknown_booking`` or
    ``other_session``."""
    booking = _booking_for_callback(data)  # locked: callbacks of one booking run one at a time
    if booking is None:
        outcome = "unknown_booking"
    elif booking.payment_session_id and booking.payment_session_id != str(data.get("id")):
        outcome = "other_session"
    elif sequence <= booking.last_callback_sequence:
        outcome = "stale"
    else:
        outcome = "applied"
    try:
        with transaction.atomic():
            ProcessedCallback.objects.create(
                event_id=event_id, booking=booking, type=type, sequence=sequence, outcome=outcome
            )
    except IntegrityError:
        return "duplicate"
    if outcome == "applied":
        _apply_session(booking, data)
        booking.last_callback_sequence = sequence
        booking.save()
    return outcome
