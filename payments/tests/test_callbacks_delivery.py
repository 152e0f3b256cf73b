"""Delivering callbacks: signed POSTs, retries with backoff, giving up, crashes, redelivery."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from payments.models import CallbackAttempt, CallbackEvent, PaymentLog
from payments.models.callbacks import CallbackStatus
from payments.models.logs import LogEvent
from payments.services import callback_delivery
from payments.services.callback_delivery import MAX_ATTEMPTS, callback_deliver
from payments.services.callbacks import (
    callback_body,
    callback_redeliver,
    callbacks_deliver_due,
)
from payments.signing import callback_signature_verify
from payments.states import PaymentStatus
from payments.tasks import deliver_callback
from payments.testing.factories import PaymentSessionFactory
from payments.testing.tasks import run_queued_tasks
from payments.tests.callback_support import move, queued_deliveries
from payments.tests.concurrency import run_together

pytestmark = pytest.mark.django_db
S = PaymentStatus


def _succeed(session) -> CallbackEvent:
    move(session, S.SUCCEEDED)
    return CallbackEvent.objects.get(session=session, type="payment.succeeded")


def _run_at_next_attempt(callback: CallbackEvent) -> None:
    callback.refresh_from_db()
    with time_machine.travel(callback.next_attempt_at + timedelta(seconds=1), tick=False):
        run_queued_tasks()


def test_delivery_posts_the_payload_signed_with_the_client_secret(
    callback_session, callback_receiver
):
    callback = _succeed(callback_session)

    run_queued_tasks()

    [request] = callback_receiver.requests
    assert request.body == callback_body(callback)
    assert request.json() == callback.payload
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Payments-Event-Id"] == callback.id
    secret = callback_session.api_client.callback_secret
    callback_signature_verify(
        header=request.headers["Payments-Signature"], body=request.body, secrets=[secret]
    )
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED and callback.delivered_at
    assert (callback.attempts, callback.last_status_code, callback.next_attempt_at) == (
        1,
        200,
        None,
    )
    [attempt] = CallbackAttempt.objects.all()
    assert (attempt.status_code, attempt.url, attempt.error) == (200, callback_receiver.url, "")
    assert attempt.latency_ms is not None
    sent = PaymentLog.objects.get(event_type=LogEvent.CALLBACK_SENT)
    assert sent.payload["callback_id"] == callback.id and sent.session == callback_session


def test_receiver_down_for_a_while_then_delivered_once_it_is_back(
    callback_session, callback_receiver
):
    callback_receiver.respond_with(503, 500, 429, 408)
    callback = _succeed(callback_session)
    run_queued_tasks()
    waits = []
    for _ in range(4):
        callback.refresh_from_db()
        assert callback.status == CallbackStatus.PENDING
        last_try = CallbackAttempt.objects.latest("created_at", "id").created_at
        waits.append(callback.next_attempt_at - last_try)
        run_queued_tasks()  # not due yet: nothing happens
        _run_at_next_attempt(callback)

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED
    codes = list(CallbackAttempt.objects.values_list("status_code", flat=True))
    assert codes == [503, 500, 429, 408, 200]
    assert len(callback_receiver.requests) == 5
    assert {r.json()["id"] for r in callback_receiver.requests} == {callback.id}
    assert waits == sorted(waits) and waits[0] >= timedelta(seconds=45)
    assert not queued_deliveries()


def test_network_errors_are_retried_and_a_fixed_url_is_used_next_time(
    callback_session, callback_receiver
):
    client = callback_session.api_client
    client.callback_url = "http://127.0.0.1:9/nobody-listens/"
    client.save()
    callback = _succeed(callback_session)
    run_queued_tasks()

    attempt = CallbackAttempt.objects.get()
    assert attempt.status_code is None and "ConnectionError" in attempt.error
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.PENDING and callback.next_attempt_at > timezone.now()

    client.callback_url = callback_receiver.url
    client.save()
    _run_at_next_attempt(callback)

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED
    assert len(callback_receiver.requests) == 1


def test_a_timeout_is_retried(callback_session, callback_receiver, monkeypatch):
    release = threading.Event()
    receiver_answer = callback_receiver._record

    def slow(*args):
        release.wait(5)
        return receiver_answer(*args)

    monkeypatch.setattr(callback_receiver, "_record", slow)
    monkeypatch.setattr(callback_delivery, "READ_TIMEOUT_SECONDS", 0.2)
    callback = _succeed(callback_session)
    try:
        run_queued_tasks()
    finally:
        release.set()

    attempt = CallbackAttempt.objects.get()
    assert "Timeout" in attempt.error
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.PENDING
    assert len(queued_deliveries()) == 1


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422, 302])
def test_other_client_errors_fail_at_once_without_retries(
    callback_session, callback_receiver, status
):
    callback_receiver.respond_with(status)
    callback = _succeed(callback_session)

    run_queued_tasks()

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.FAILED
    assert (callback.attempts, callback.last_status_code) == (1, status)
    assert callback.next_attempt_at is None
    assert not queued_deliveries()
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        run_queued_tasks()
    assert len(callback_receiver.requests) == 1
    error = PaymentLog.objects.get(event_type=LogEvent.ERROR)
    assert f"HTTP {status}" in error.error_message


def test_gives_up_after_max_attempts_spread_over_at_least_twelve_hours(
    callback_session, callback_receiver
):
    callback_receiver.default_status = 503
    callback = _succeed(callback_session)
    run_queued_tasks()
    for _ in range(MAX_ATTEMPTS + 2):
        callback.refresh_from_db()
        if callback.status != CallbackStatus.PENDING:
            break
        _run_at_next_attempt(callback)

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.FAILED
    times = list(CallbackAttempt.objects.values_list("created_at", flat=True))
    assert len(times) == MAX_ATTEMPTS >= 8
    assert times[-1] - times[0] >= timedelta(hours=12)
    assert not queued_deliveries()


def test_a_lost_task_is_found_by_the_sweeper_and_delivered(callback_session, callback_receiver):
    callback = _succeed(callback_session)
    # The process died after commit and the task row is gone (purged, restored backup...).
    DBTaskResult.objects.all().delete()
    run_queued_tasks()
    assert callback_receiver.requests == []

    assert callbacks_deliver_due() == 1
    assert callbacks_deliver_due() == 0  # its new task is queued: nothing more to do
    run_queued_tasks()

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED
    assert len(callback_receiver.requests) == 1


def test_a_worker_dying_mid_delivery_is_recovered_after_the_lease(
    callback_session, callback_receiver
):
    callback = _succeed(callback_session)
    task = DBTaskResult.objects.get(pk=callback.task_id)
    # What a worker leaves behind when it dies between claiming the callback and recording
    # the answer: its task RUNNING forever, the callback claimed (attempt counted, leased).
    task.claim("dead-worker")
    CallbackEvent.objects.filter(pk=callback.pk).update(
        attempts=1, next_attempt_at=timezone.now() + callback_delivery.LEASE
    )
    assert callbacks_deliver_due() == 0  # the lease still runs

    with time_machine.travel(timezone.now() + callback_delivery.LEASE * 2, tick=False):
        assert callbacks_deliver_due() == 1
        run_queued_tasks()

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED
    assert callback.attempts == 2
    assert len(callback_receiver.requests) == 1


def test_duplicate_tasks_deliver_once(callback_session, callback_receiver):
    callback = _succeed(callback_session)
    deliver_callback.enqueue(callback_id=callback.id)
    deliver_callback.enqueue(callback_id=callback.id)

    results = run_queued_tasks()

    assert len(results) == 3
    assert len(callback_receiver.requests) == 1
    assert sorted(r.return_value.split(":")[0] for r in results) == [
        "delivered",
        "skipped",
        "skipped",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_callback_post_it_once(callback_receiver, callback_client):
    session = PaymentSessionFactory(api_client=callback_client)
    move(session, S.PENDING)
    callback = _succeed(session)

    outcomes = run_together(lambda _: callback_deliver(callback_id=callback.id), range(2))

    # The loser either found the row locked by the winner's claim (busy: it queues a retry,
    # which will find the callback leased or delivered) or found it leased (skipped).
    assert sorted(o.split(":")[0] for o in outcomes) in (
        ["busy", "delivered"],
        ["delivered", "skipped"],
    )
    assert len(callback_receiver.requests) == 1
    assert CallbackAttempt.objects.count() == 1


def test_redeliver_sends_a_delivered_callback_again_with_the_same_id(
    callback_session, callback_receiver
):
    callback = _succeed(callback_session)
    run_queued_tasks()

    assert callback_redeliver(callback_ids=[callback.id]) == 1
    run_queued_tasks()

    assert [r.json()["id"] for r in callback_receiver.requests] == [callback.id, callback.id]
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED
    assert CallbackAttempt.objects.filter(callback=callback).count() == 2


def test_redeliver_command_requeues_failed_callbacks_of_one_session(
    callback_client, callback_receiver
):
    first, second = PaymentSessionFactory.create_batch(2, api_client=callback_client)
    callback_receiver.respond_with(410, 410)
    for session in (first, second):
        move(session, S.PENDING, S.EXPIRED)
    run_queued_tasks()
    assert set(CallbackEvent.objects.values_list("status", flat=True)) == {"failed"}

    out = StringIO()
    call_command("redeliver_callbacks", "--failed", "--session", str(first.pk), stdout=out)
    run_queued_tasks()

    assert "Re-queued 1 callbacks for immediate redelivery." in out.getvalue()
    statuses = dict(CallbackEvent.objects.values_list("session_id", "status"))
    assert statuses == {first.pk: "delivered", second.pk: "failed"}


def test_redeliver_command_without_options_sweeps_lost_tasks(callback_session, callback_receiver):
    _succeed(callback_session)
    DBTaskResult.objects.all().delete()
    out = StringIO()

    call_command("redeliver_callbacks", stdout=out)
    run_queued_tasks()

    assert "Re-queued 1 due pending callbacks whose task was lost." in out.getvalue()
    assert len(callback_receiver.requests) == 1


def test_redeliver_command_refuses_an_unknown_session(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No payment session"):
        call_command("redeliver_callbacks", "--session", "6f1c2d1e-0000-4000-8000-000000000000")
