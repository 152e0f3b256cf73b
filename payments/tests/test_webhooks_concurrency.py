"""Concurrent deliveries of one event, with real threads against PostgreSQL."""

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from payments.models import PaymentLog, Transaction, WebhookEvent
from payments.models.logs import LogEvent
from payments.states import PaymentStatus
from payments.testing.pytest_plugin import EMULATOR_WEBHOOK_SECRET
from payments.testing.stripe_events import signed
from payments.testing.tasks import run_queued_tasks
from payments.tests.concurrency import run_together
from payments.tests.webhook_support import URL

DELIVERIES = 20


def _deliver_concurrently(events: list[dict]) -> list[tuple[int, str]]:
    def deliver(delivery):
        body, header = delivery
        response = Client().post(
            URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        return response.status_code, response.json().get("status")

    # Signed before the threads are let go, so they race only for the database.
    return run_together(deliver, [signed(e, secret=EMULATOR_WEBHOOK_SECRET) for e in events])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_of_each_event_apply_it_once(shop):
    session = shop.checkout()
    shop.pay(session)
    events = {e["type"]: e for e in shop.new_events()}
    intent_succeeded, charge_succeeded = (
        events["payment_intent.succeeded"],
        events["charge.succeeded"],
    )

    results = _deliver_concurrently([intent_succeeded, charge_succeeded] * DELIVERIES)

    assert {code for code, _ in results} == {200}
    outcomes = sorted(status for _, status in results)
    assert outcomes == ["duplicate"] * (2 * DELIVERIES - 2) + ["processed"] * 2
    stored = WebhookEvent.objects.order_by("type")
    assert [(e.type, e.status, e.attempts) for e in stored] == [
        ("charge.succeeded", "processed", 1),
        ("payment_intent.succeeded", "processed", 1),
    ]
    assert PaymentLog.objects.filter(event_type=LogEvent.WEBHOOK_RECEIVED).count() == 2
    transitions = PaymentLog.objects.filter(
        event_type=LogEvent.STATUS_CHANGED, actor__startswith="stripe:"
    )
    assert list(transitions.values_list("old_status", "new_status", "actor")) == [
        ("pending", "succeeded", f"stripe:{intent_succeeded['id']}")
    ]
    session.refresh_from_db()
    assert session.status == PaymentStatus.SUCCEEDED

    # One ledger task per event at most, never one per delivery.
    assert DBTaskResult.objects.filter(task_path="payments.tasks.charge_ledger_sync").count() <= 2
    run_queued_tasks()
    charge_rows = Transaction.objects.filter(kind="charge")
    assert charge_rows.count() == 1
    assert charge_rows.get().fee > 0
