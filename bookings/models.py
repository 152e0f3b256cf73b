"""Bookings of services, with a deposit taken through the payments API (over HTTP only)."""

import uuid

from django.db import models
from django.db.models import F, Q


class Service(models.Model):
    """Something a customer can book, e.g. a haircut. Money in minor units (pence, cents)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True)
    price_amount = models.BigIntegerField(help_text="Full price, minor units.")
    deposit_amount = models.BigIntegerField(
        default=0, help_text="Paid when booking, minor units; 0 means nothing is due up front."
    )
    currency = models.CharField(max_length=3, default="gbp")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="bookings_service_price_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(deposit_amount__gte=0) & Q(deposit_amount__lte=F("price_amount")),
                name="bookings_service_deposit_within_price",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class Booking(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(max_length=254)
    starts_at = models.DateTimeField()
    deposit_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=BookingStatus.choices, default=BookingStatus.PENDING_PAYMENT
    )

    # What the payments service told us (via its API or its signed callbacks).
    payment_session_id = models.CharField(max_length=64, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_status = models.CharField(max_length=30, blank=True)
    amount_refunded = models.BigIntegerField(default=0)
    last_callback_sequence = models.PositiveIntegerField(default=0)

    # The client's Idempotency-Key for the create request, so a retry resumes this booking.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_amount__gte=0), name="bookings_booking_deposit_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("deposit_amount")),
                name="bookings_booking_refunded_within_deposit",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="bookings_booking_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} for {self.customer_name} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def payment_idempotency_key(self) -> str:
        """The key of every checkout request for this booking's deposit: retries are safe."""
        return f"booking-{self.pk}-deposit"


class ProcessedCallback(models.Model):
    """A payments callback already handled; its unique event id makes redeliveries no-ops."""

    event_id = models.CharField(max_length=64, unique=True)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="callbacks"
    )
    type = models.CharField(max_length=50)
    sequence = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.outcome})"
