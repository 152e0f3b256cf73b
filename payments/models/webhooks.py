"""Stripe's events as received (``WebhookEvent``), stored once per event id."""

from django.db import models
from django.db.models import Q


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"
    # About a Stripe object no session knows yet (a Dashboard refund that overtook the
    # payment's own events): applied when a session learns ``waiting_for``.
    PARKED = "parked", "Parked"


class WebhookEvent(models.Model):
    """One Stripe event, stored once however often Stripe delivers it."""

    stripe_event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100, db_index=True)
    api_version = models.CharField(max_length=50, blank=True)
    livemode = models.BooleanField(default=False)
    stripe_created = models.DateTimeField()
    payload = models.JSONField()
    status = models.CharField(
        max_length=10,
        choices=WebhookEventStatus.choices,
        default=WebhookEventStatus.RECEIVED,
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    session = models.ForeignKey(
        "payments.PaymentSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_events",
    )
    # The Stripe id (PaymentIntent or charge) a parked event waits for.
    waiting_for = models.CharField(max_length=255, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # A constraint rather than unique=True: no unused LIKE-pattern index on PostgreSQL.
            models.UniqueConstraint(
                fields=["stripe_event_id"], name="payments_webhook_event_id_unique"
            ),
        ]
        indexes = [
            # Operators look for events that failed and are waiting for Stripe's retry.
            models.Index(fields=["status", "received_at"], name="payments_webhook_status_idx"),
            # Linking a session looks up the events parked for its ids; only parked rows.
            models.Index(
                fields=["waiting_for", "stripe_created"],
                condition=Q(status="parked"),
                name="payments_webhook_parked_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_event_id} {self.type}"
