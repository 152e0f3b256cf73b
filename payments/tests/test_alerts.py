"""Failure alerts and receipts: queued once per session with the status change, sent by a task."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from payments.models import PaymentSession
from payments.services.alerts import alerts_on_status_changed
from payments.services.sessions import session_lock, session_transition
from payments.states import PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.stripe_events import StripePayment, event
from payments.testing.tasks import run_queued_tasks
from payments.tests.concurrency import run_together

pytestmark = pytest.mark.django_db
ALERTS = ["ops@example.com", "oncall@example.com"]


@pytest.fixture
def alerting(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALERT_EMAILS": ALERTS}


def _alert_tasks() -> int:
    return DBTaskResult.objects.filter(task_path="payments.tasks.send_failure_alert").count()


def _fail_by_webhook(webhooks, session) -> list[dict]:
    unpaid = StripePayment.for_session(session).checkout_session(payment_status="unpaid")
    events = [
        event("checkout.session.completed", unpaid),
        event("checkout.session.async_payment_failed", unpaid),
    ]
    webhooks.deliver(*events)
    return events


def test_failed_payment_alerts_the_alert_addresses_from_a_task(alerting, webhooks):
    session = PaymentSessionFactory(
        status=PaymentStatus.PENDING, amount=2500, currency="gbp", payable_id="bk_7"
    )

    _fail_by_webhook(webhooks, session)

    assert mail.outbox == []  # never sent inside the webhook request
    assert _alert_tasks() == 1
    run_queued_tasks()
    [alert] = mail.outbox
    assert alert.to == ALERTS
    assert alert.subject == "Payment failed: £25.00 for booking bk_7"
    assert str(session.pk) in alert.body
    session.refresh_from_db()
    assert session.failure_alert_queued_at is not None


def test_duplicate_and_replayed_failure_events_alert_once(alerting, webhooks):
    session = PaymentSessionFactory(status=PaymentStatus.PENDING)
    events = _fail_by_webhook(webhooks, session)

    webhooks.deliver(*events)  # Stripe delivers again
    failed_again = event("checkout.session.async_payment_failed", events[1]["data"]["object"])
    webhooks.deliver(failed_again)  # a new event id for the same failure
    run_queued_tasks()

    assert len(mail.outbox) == 1


def test_the_hook_queues_at_most_one_alert_per_session(alerting):
    session = PaymentSessionFactory(status=PaymentStatus.FAILED)

    with transaction.atomic():
        alerts_on_status_changed(session=session, old_status=PaymentStatus.PENDING)
        alerts_on_status_changed(session=session, old_status=PaymentStatus.PENDING)
    stale = PaymentSession.objects.get(pk=session.pk)
    stale.failure_alert_queued_at = None  # another process's copy, read before the claim
    alerts_on_status_changed(session=stale, old_status=PaymentStatus.PENDING)

    assert _alert_tasks() == 1


def test_no_alert_addresses_no_alert(settings, webhooks):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALERT_EMAILS": []}
    session = PaymentSessionFactory(status=PaymentStatus.PENDING)

    _fail_by_webhook(webhooks, session)
    run_queued_tasks()

    assert mail.outbox == []
    session.refresh_from_db()
    assert session.failure_alert_queued_at is None


def test_alert_addresses_may_be_one_comma_separated_string(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "ALERT_EMAILS": " ops@example.com, ,b@example.com"}
    session = PaymentSessionFactory(status=PaymentStatus.PENDING)

    with transaction.atomic():
        session_transition(
            session=session_lock(session_id=session.pk),
            new_status=PaymentStatus.FAILED,
            actor="test",
        )
    run_queued_tasks()

    assert mail.outbox[0].to == ["ops@example.com", "b@example.com"]


def test_other_outcomes_do_not_alert(alerting, webhooks):
    expired = PaymentSessionFactory(status=PaymentStatus.PENDING)
    payment = StripePayment.for_session(expired)

    webhooks.deliver(event("checkout.session.expired", payment.checkout_session(status="expired")))
    run_queued_tasks()

    expired.refresh_from_db()
    assert expired.status == PaymentStatus.EXPIRED
    assert mail.outbox == []


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("mail server went away")


def test_mail_server_down_retries_later(alerting, settings, webhooks):
    session = PaymentSessionFactory(status=PaymentStatus.PENDING)
    _fail_by_webhook(webhooks, session)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    run_queued_tasks()
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        run_queued_tasks()
    assert len(mail.outbox) == 1


def test_receipt_on_success_when_enabled(settings, shop):
    settings.PAYMENTS = {**settings.PAYMENTS, "SEND_RECEIPTS": True}

    session = shop.paid_session(amount=4200)

    [receipt] = mail.outbox
    assert receipt.to == [session.customer.email]
    assert receipt.subject == "Your payment of £42.00"
    assert "visa ending 4242" in receipt.body.lower()
    assert session.receipt_url in receipt.body


def test_no_receipt_unless_enabled(shop):
    shop.paid_session()

    assert mail.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_queue_one_alert(alerting):
    """Eight workers see the same failure at once, each in its own transaction and without
    the session's row lock: the conditional UPDATE still lets exactly one queue the alert."""
    session = PaymentSessionFactory(status=PaymentStatus.FAILED)

    def claim(_):
        copy = PaymentSession.objects.get(pk=session.pk)
        with transaction.atomic():
            alerts_on_status_changed(session=copy, old_status=PaymentStatus.PENDING)

    run_together(claim, range(8))

    assert _alert_tasks() == 1
    run_queued_tasks()
    assert len(mail.outbox) == 1
