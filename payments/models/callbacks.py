"""The callback outbox: what we owe each API client, written with the change it reports."""

import secrets

from django.db import models
from django.db.models import Q

from payments.models.base import AppendOnlyModel


def new_callback_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


class CallbackType(models.TextChoices):
    SUCCEEDED = "payment.succeeded"
    FAILED = "payment.failed"
    CANCELED = "payment.canceled"
    EXPIRED = "payment.expired"
    PARTIALLY_REFUNDED = "payment.partially_refunded"
    REFUNDED = "payment.refunded"
    DISPUTE_OPENED = "payment.dispute_opened"
    DISPUTE_CLOSED = "payment.dispute_closed"
    SUBSCRIPTION_CREATED = "subscription.created"
    SUBSCRIPTION_UPDATED = "subscription.updated"
    SUBSCRIPTION_CANCELED = "subscription.canceled"
    SUBSCRIPTION_PAST_DUE = "subscription.past_due"


class CallbackStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class CallbackEvent(models.Model):
    """One callback to deliver. The row is the truth: tasks only carry its id.

    It reports a change of one payment session (``payment.*``) or of one subscription
    (``subscription.*``): exactly one of ``session`` and ``subscription`` is set, and
    ``sequence`` grows per session or per subscription. ``payload`` is the exact JSON object
    POSTed (``id``, ``type``, ``created``, ``sequence``, ``data``), frozen when the change
    happened. ``attempts`` counts the attempts since the callback was last (re)queued; every
    attempt ever made is a ``CallbackAttempt``.
    """

    id = models.CharField(primary_key=True, max_length=40, default=new_callback_event_id)
    session = models.ForeignKey(
        "payments.PaymentSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    subscription = models.ForeignKey(
        "payments.Subscription",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    api_client = models.ForeignKey(
        "payments.APIClient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    type = models.CharField(max_length=40, choices=CallbackType.choices)
    sequence = models.PositiveIntegerField()
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The delivery task enqueued last, so the sweeper can tell a lost task from a queued one.
    task_id = models.CharField(max_length=64, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "sequence"], name="payments_callback_sequence_unique"
            ),
            models.UniqueConstraint(
                fields=["subscription", "sequence"],
                name="payments_callback_subscr_sequence_unique",
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=True, subscription__isnull=False)
                | Q(session__isnull=False, subscription__isnull=True),
                name="payments_callback_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="payments_callback_sequence_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CallbackStatus.values),
                name="payments_callback_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=CallbackStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="payments_callback_delivered_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="payments_callback_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.type} #{self.sequence} ({self.status})"


class CallbackAttempt(AppendOnlyModel):
    """One POST of a callback: what came back, how long it took, what went wrong."""

    callback = models.ForeignKey(
        CallbackEvent, on_delete=models.PROTECT, related_name="attempt_log"
    )
    url = models.URLField(max_length=2000, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["callback", "created_at"], name="payments_cb_attempt_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.callback_id} -> {self.status_code or self.error[:40]}"
