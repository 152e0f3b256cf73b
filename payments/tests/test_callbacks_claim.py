"""A callback's delivery claim locks only the callback's row, and a busy row is retried.

On PostgreSQL with real threads: a webhook or refund holding the session's row lock must not
make the delivery task skip a due callback (it used to, through the default ordering's join,
and the callback then waited for the ``redeliver_callbacks`` sweep).
"""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from payments.models import CallbackEvent
from payments.models.callbacks import CallbackStatus
from payments.services import callback_delivery
from payments.services.callback_delivery import callback_deliver
from payments.services.callbacks import callback_redeliver, callbacks_deliver_due
from payments.services.sessions import session_lock
from payments.states import PaymentStatus
from payments.testing.factories import PaymentSessionFactory
from payments.testing.tasks import run_queued_tasks
from payments.tests.callback_support import move, queued_deliveries

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _due_callback(callback_client) -> CallbackEvent:
    session = PaymentSessionFactory(api_client=callback_client)
    move(session, PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)
    return CallbackEvent.objects.get(session=session, type="payment.succeeded")


class RowHolder:
    """Another connection holding a row lock (``lock`` runs in its transaction) until
    ``release()``, as a webhook or a refund does while it works."""

    def __init__(self, lock) -> None:
        self._lock, self.locked, self._release = lock, threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                self._lock()
                self.locked.set()
                self._release.wait(30)
        finally:
            connection.close()

    def __enter__(self) -> "RowHolder":
        self._thread.start()
        assert self.locked.wait(10)
        return self

    def release(self) -> None:
        self._release.set()
        self._thread.join(10)

    def __exit__(self, *exc_info) -> None:
        self.release()


def _in_thread(target, outcomes: list) -> threading.Thread:
    def run():
        try:
            outcomes.append(target())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_locked_session_does_not_stop_the_delivery(callback_client, callback_receiver):
    callback = _due_callback(callback_client)
    outcomes: list[str] = []
    with RowHolder(lambda: session_lock(session_id=callback.session_id)) as holder:
        delivery = _in_thread(lambda: callback_deliver(callback_id=callback.id), outcomes)
        # The claim went through while the session was locked: the POST was made.
        assert callback_receiver.wait_for(1)
        holder.release()  # recording the attempt's audit row waits for the session
        delivery.join(20)

    assert [o.split(":")[0] for o in outcomes] == ["delivered"]
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED
    assert len(callback_receiver.requests) == 1


def test_the_queued_task_delivers_while_a_webhook_holds_the_session(
    callback_client, callback_receiver
):
    """The task the status change queued, run by the worker: no sweep involved."""
    callback = _due_callback(callback_client)
    results: list = []
    with RowHolder(lambda: session_lock(session_id=callback.session_id)) as holder:
        worker = _in_thread(run_queued_tasks, results)
        assert callback_receiver.wait_for(1)
        holder.release()
        worker.join(20)

    [[result]] = results
    assert result.status == "SUCCESSFUL" and result.return_value.startswith("delivered")
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED


def test_a_busy_callback_row_is_retried_not_dropped(callback_client, callback_receiver):
    callback = _due_callback(callback_client)
    DBTaskResult.objects.filter(pk=callback.task_id).delete()  # only the retry may deliver
    outcomes: list[str] = []
    with RowHolder(
        lambda: CallbackEvent.objects.select_for_update().filter(pk=callback.id).exists()
    ):
        delivery = _in_thread(lambda: callback_deliver(callback_id=callback.id), outcomes)
        delivery.join(20)

    [outcome] = outcomes
    assert outcome.startswith("busy:"), outcome
    assert callback_receiver.requests == []
    [retry] = queued_deliveries()
    assert retry.args_kwargs["kwargs"] == {"callback_id": callback.id}
    assert retry.run_after > timezone.now()

    later = timezone.now() + timedelta(seconds=callback_delivery.BUSY_RETRY_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        [result] = run_queued_tasks()
    assert result.return_value.startswith("delivered")
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DELIVERED
    assert len(callback_receiver.requests) == 1


def test_nothing_to_do_is_not_busy(callback_client, callback_receiver):
    callback = _due_callback(callback_client)
    run_queued_tasks()
    before = DBTaskResult.objects.count()

    outcome = callback_deliver(callback_id=callback.id)

    assert outcome.startswith("skipped:")
    assert DBTaskResult.objects.count() == before  # no retry queued for a delivered callback


def test_the_sweep_and_redelivery_do_not_wait_for_or_skip_a_locked_session(
    callback_client, callback_receiver
):
    callback = _due_callback(callback_client)
    DBTaskResult.objects.all().delete()  # the task was lost
    with RowHolder(lambda: session_lock(session_id=callback.session_id)):
        with transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '2s'")
            assert callbacks_deliver_due() == 1
        with transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '2s'")
            assert callback_redeliver(callback_ids=[callback.id]) == 1
    assert len(queued_deliveries()) == 2
