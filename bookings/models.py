"""Bookings of services, with a deposit taken through the payments API (over HTTP only), and
memberships: a monthly subscription to a service whose members book it without a deposit."""

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
    membership_amount = models.BigIntegerField(
        default=0, help_text="Monthly membership, minor units; 0 means no membership is offered."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="bookings_service_price_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(membership_amount__gte=0),
                name="bookings_service_membership_nonnegative",
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


# The subscription statuses (payments mirrors Stripe's) in which a member books without deposit.
MEMBER_STATUSES = frozenset({"active", "trialing"})


class Membership(models.Model):
    """A customer paying ``service.membership_amount`` every month through a payments
    subscription. ``status`` is the subscription's, as its ``subscription.*`` callbacks say
    (empty until the first); the newest callback (by ``sequence``) wins."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="memberships")
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(max_length=254)
    amount = models.BigIntegerField(help_text="Per month, minor units, from the service.")
    currency = models.CharField(max_length=3)

    # What the payments service told us (via its API or its signed callbacks).
    subscription_id = models.CharField(max_length=64, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=30, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    last_callback_sequence = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["service", "customer_email"], name="bookings_member_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="bookings_membership_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} member {self.customer_email} ({self.status or 'new'})"

    @property
    def is_active(self) -> bool:
        return self.status in MEMBER_STATUSES

    @property
    def payment_idempotency_key(self) -> str:
        """The key of the subscription request: a retry never subscribes twice."""
        return f"membership-{self.pk}"


class ProcessedCallback(models.Model):
    """A payments callback already handled; its unique event id makes redeliveries no-ops."""

    event_id = models.CharField(max_length=64, unique=True)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="callbacks"
    )
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="callbacks"
    )
    type = models.CharField(max_length=50)
    sequence = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.outcome})"
