"""Pruning what grows without bound: old webhook events, finished callbacks, audit logs.

Each purge deletes only rows that nothing will read again in normal operation, in batches (a
short transaction each, so it is safe to run at any time next to the app), and refuses a
retention shorter than its floor. Idempotency keys have their own purge (services/idempotency).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from payments.conf import payments_settings
from payments.durations import parse_duration
from payments.models import CallbackAttempt, CallbackEvent, PaymentLog, WebhookEvent
from payments.models.callbacks import CallbackStatus
from payments.models.webhooks import WebhookEventStatus

BATCH = 1000
# Stripe delivers an event for up to 3 days and lists it for 30 (sync_stripe_events reads 30):
# an event purged sooner could arrive again and be applied twice.
FLOORS = {
    "webhook_events": timedelta(days=31),
    "callbacks": timedelta(days=7),
    "payment_logs": timedelta(days=90),
}


class RetentionTooShort(ValueError):
    """The asked retention is below the floor that keeps the guarantees."""


def retention_for(kind: str, older_than: str | None = None) -> timedelta:
    """The retention of ``kind`` (``older_than`` or the RETENTION setting), at least its floor."""
    text = older_than or payments_settings.RETENTION[kind]
    age = parse_duration(text)
    if age < FLOORS[kind]:
        floor_days = FLOORS[kind].days
        raise RetentionTooShort(f"{kind} must be kept at least {floor_days}d, not {text}.")
    return age


def _delete_in_batches(queryset: QuerySet, model: type[Model]) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True)[:BATCH])
            if not ids:
                return deleted
            # QuerySet.delete does not call AppendOnlyModel.delete: purging is the one way out.
            model.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


def webhook_events_purge(*, older_than: timedelta) -> int:
    """Delete processed or ignored webhook events received before ``older_than`` ago.
    Failed (or still unprocessed) events stay: an operator still needs them."""
    done = (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED)
    old = WebhookEvent.objects.filter(status__in=done, received_at__lt=timezone.now() - older_than)
    return _delete_in_batches(old.order_by(), WebhookEvent)


def callbacks_purge(*, older_than: timedelta) -> int:
    """Delete delivered or failed callbacks created before ``older_than`` ago, with their
    attempts. Pending ones stay whatever their age: they are still owed."""
    finished = CallbackEvent.objects.filter(
        status__in=(CallbackStatus.DELIVERED, CallbackStatus.FAILED),
        created_at__lt=timezone.now() - older_than,
    ).order_by()
    attempts = CallbackAttempt.objects.filter(callback__in=finished).order_by()
    _delete_in_batches(attempts, CallbackAttempt)
    return _delete_in_batches(finished, CallbackEvent)


def payment_logs_purge(*, older_than: timedelta) -> int:
    """Delete audit log rows written before ``older_than`` ago (the sessions themselves stay)."""
    old = PaymentLog.objects.filter(created_at__lt=timezone.now() - older_than).order_by()
    return _delete_in_batches(old, PaymentLog)
