"""The task worker rides out the database going away (``manage.py payments_worker``).

A real server-side kill of the worker's session (``pg_terminate_backend``, what a PostgreSQL
restart does to every session) while the worker runs in a thread: it keeps running, opens a
new connection and runs the task enqueued afterwards. Plain ``db_worker`` exits instead.
"""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from payments.task_compat import task
from payments.task_worker import MAX_BACKOFF_SECONDS, ResilientWorker, backoff_seconds

try:
    from django.tasks.signals import task_finished
except ImportError:  # Django 5.2: the backport
    from django_tasks.signals import task_finished

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@task()
def backend_pid() -> int:
    """The PostgreSQL session the worker runs this task on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


class Finished:
    """Waits for tasks to finish, told by the worker's ``task_finished`` signal."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self._changed = threading.Condition()

    def __call__(self, sender, task_result, **kwargs) -> None:
        with self._changed:
            self.ids.add(str(task_result.id))
            self._changed.notify_all()

    def wait(self, task_id: str, timeout: float = 20) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: task_id in self.ids, timeout)


@pytest.fixture
def finished():
    listener = Finished()
    task_finished.connect(listener)
    yield listener
    task_finished.disconnect(listener)


def _worker(cls, **overrides):
    options = {
        "queue_names": ["*"],
        "interval": 0.05,
        "batch": False,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "w14a-test-worker",
        "excluded_queue_names": [],
    }
    return cls(**{**options, **overrides})


class Running:
    """A worker's loop in a thread; records how it ended."""

    def __init__(self, worker) -> None:
        self.worker, self.error = worker, None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.worker.run()
        except BaseException as error:
            self.error = error
        finally:
            connection.close()

    def stop(self) -> None:
        self.worker.running = False
        self.thread.join(10)


def _kill(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True


def _pid_of_worker(finished) -> int:
    """Run a task on the worker and return the session it ran on."""
    result = backend_pid.enqueue()
    assert finished.wait(str(result.id))
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL", row.traceback
    return row.return_value


def test_the_worker_survives_its_session_being_killed(finished):
    running = Running(_worker(ResilientWorker, sleep=lambda seconds: None))
    try:
        first_pid = _pid_of_worker(finished)
        _kill(first_pid)

        second_pid = _pid_of_worker(finished)  # enqueued after the kill

        assert running.thread.is_alive() and running.error is None
        assert second_pid != first_pid
        assert running.worker.reconnects >= 1
    finally:
        running.stop()
    assert not running.thread.is_alive() and running.error is None


def test_plain_db_worker_exits_when_its_session_is_killed(finished):
    """What the resilient worker fixes (if django_tasks_db learns to reconnect, this fails
    and payments_worker can go)."""
    running = Running(_worker(Worker))
    try:
        pid = _pid_of_worker(finished)
        _kill(pid)
        running.thread.join(10)
        assert not running.thread.is_alive()
        assert running.error is not None and "OperationalError" in type(running.error).__name__
    finally:
        running.stop()


def test_backoff_grows_and_is_capped():
    assert 0.4 <= backoff_seconds(1) <= 0.6
    assert 0.8 <= backoff_seconds(2) <= 1.2
    assert backoff_seconds(50) <= MAX_BACKOFF_SECONDS * 1.2


def test_payments_worker_runs_queued_tasks_in_batch_mode():
    result = backend_pid.enqueue()
    call_command(
        "payments_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO()
    )
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
