"""The audit trail: ``PaymentLog`` rows and the events they record."""

from django.db import models

from payments.models.base import AppendOnlyModel


class LogEvent(models.TextChoices):
    SESSION_CREATED = "session_created"
    CHECKOUT_CREATED = "checkout_created"
    INTENT_CREATED = "intent_created"
    INTENT_SUCCEEDED = "intent_succeeded"
    INTENT_FAILED = "intent_failed"
    CHARGE_SUCCEEDED = "charge_succeeded"
    REFUND_CREATED = "refund_created"
    REFUND_UPDATED = "refund_updated"
    WEBHOOK_RECEIVED = "webhook_received"
    STATUS_CHANGED = "status_changed"
    TRANSITION_REFUSED = "transition_refused"
    DISPUTE_UPDATED = "dispute_updated"
    CALLBACK_SENT = "callback_sent"
    ERROR = "error"


class PaymentLog(AppendOnlyModel):
    """The audit trail: who did what to a session, with Stripe's raw request id and payload.

    A row about a Stripe event (``webhook_received``, or the error of an event that failed)
    points at the stored ``WebhookEvent`` instead of copying its payload: Stripe's payload
    is kept once, on the event. ``event_payload`` reads whichever the row has.
    """

    session = models.ForeignKey(
        "payments.PaymentSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logs",
    )
    event_type = models.CharField(max_length=30, choices=LogEvent.choices)
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20, blank=True)
    actor = models.CharField(max_length=255, blank=True)
    stripe_request_id = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(null=True, blank=True)
    webhook_event = models.ForeignKey(
        "payments.WebhookEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logs",
    )
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "created_at"], name="payments_log_session_idx")]

    @property
    def event_payload(self):
        """The payload this row records: its own, or its Stripe event's (a query unless
        ``webhook_event`` was selected with the row)."""
        if self.payload is None and self.webhook_event_id is not None:
            return self.webhook_event.payload
        return self.payload

    def __str__(self) -> str:
        return f"{self.event_type} {self.old_status}->{self.new_status}".rstrip("->")
