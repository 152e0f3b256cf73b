"""The purge_* commands: only old, finished rows go; pending work and young rows stay; a
retention below the floor is refused."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from payments.models import CallbackAttempt, CallbackEvent, PaymentLog, WebhookEvent
from payments.testing.factories import PaymentSessionFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def at(days_ago: float):
    return time_machine.travel(NOW - timedelta(days=days_ago), tick=False)


def webhook_event(name: str, status: str, days_ago: float) -> None:
    with at(days_ago):
        WebhookEvent.objects.create(
            stripe_event_id=name, type="charge.succeeded", stripe_created=timezone.now(),
            payload={"id": name}, status=status,
        )  # fmt: skip


def callback(session, status: str, days_ago: float, sequence: int) -> CallbackEvent:
    with at(days_ago):
        made = CallbackEvent.objects.create(
            session=session, api_client=session.api_client, type="payment.succeeded",
            sequence=sequence, payload={}, status=status,
            delivered_at=timezone.now() if status == "delivered" else None,
        )  # fmt: skip
        CallbackAttempt.objects.create(callback=made, url="https://x.example/cb", status_code=200)
    return made


def test_purge_webhook_events_keeps_failed_and_unprocessed_and_young_ones():
    webhook_event("evt_old_done", "processed", 50)
    webhook_event("evt_old_ignored", "ignored", 50)
    webhook_event("evt_old_failed", "failed", 50)
    webhook_event("evt_old_received", "received", 50)
    webhook_event("evt_young_done", "processed", 10)

    with time_machine.travel(NOW, tick=False):
        call_command("purge_webhook_events", "--older-than", "45d")

    left = set(WebhookEvent.objects.values_list("stripe_event_id", flat=True))
    assert left == {"evt_old_failed", "evt_old_received", "evt_young_done"}


def test_purge_callbacks_removes_finished_old_callbacks_with_their_attempts_only():
    session = PaymentSessionFactory()
    old_delivered = callback(session, "delivered", 100, 1)
    old_pending = callback(session, "pending", 100, 2)
    young = callback(session, "delivered", 10, 3)

    with time_machine.travel(NOW, tick=False):
        call_command("purge_callbacks")  # the 90-day default

    assert set(CallbackEvent.objects.values_list("pk", flat=True)) == {old_pending.pk, young.pk}
    assert not CallbackAttempt.objects.filter(callback_id=old_delivered.pk).exists()
    assert CallbackAttempt.objects.count() == 2


def test_purge_payment_logs_removes_only_rows_older_than_the_retention():
    session = PaymentSessionFactory()
    for days_ago in (500, 100):
        with at(days_ago):
            PaymentLog.objects.create(session=session, event_type="session_created", actor="t")

    with time_machine.travel(NOW, tick=False):
        call_command("purge_payment_logs", "--older-than", "400d")

    assert PaymentLog.objects.count() == 1


@pytest.mark.parametrize(
    ("command", "too_short"),
    [("purge_webhook_events", "7d"), ("purge_callbacks", "1d"), ("purge_payment_logs", "30d")],
)
def test_a_retention_below_the_floor_is_refused_and_nothing_is_deleted(command, too_short):
    webhook_event("evt_done", "processed", 60)
    with pytest.raises(CommandError, match="at least"):
        call_command(command, "--older-than", too_short)
    assert WebhookEvent.objects.count() == 1
