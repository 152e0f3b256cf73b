"""The task worker rides out the database going away (``manage.py payments_worker``).

What a PostgreSQL restart does, without disturbing other tests: the worker's session is
killed on the server (``pg_terminate_backend``) while the database refuses new connections
(``ALLOW_CONNECTIONS false``, as a server that is shutting down or starting up does). The
worker, running in a thread, keeps trying, and once connections are allowed again it runs the
task enqueued afterwards. Plain ``db_worker`` exits instead. (A kill alone is not enough:
with ``CONN_HEALTH_CHECKS`` Django quietly reconnects before the next query.)
"""

import threading
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from payments import task_worker
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


@contextmanager
def database_down(pid: int):
    """Kill session ``pid`` and refuse new connections to the test database until the block
    ends (through the ``postgres`` database: a database cannot lock itself out)."""
    settings = connection.settings_dict
    name = connection.ops.quote_name(settings["NAME"])
    admin = psycopg.connect(
        dbname="postgres",
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    with admin:
        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        try:
            killed = admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
            assert killed is True
            yield
        finally:
            admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")


class Backoff:
    """The worker's sleep between reconnects: short, and observable by the test."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._changed = threading.Condition()

    def __call__(self, seconds: float) -> None:
        with self._changed:
            self.delays.append(seconds)
            self._changed.notify_all()
            self._changed.wait(0.05)

    def wait_for(self, count: int, timeout: float = 20) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.delays) >= count, timeout)


def _pid_of_worker(finished) -> int:
    """Run a task on the worker and return the session it ran on."""
    result = backend_pid.enqueue()
    assert finished.wait(str(result.id))
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL", row.traceback
    return row.return_value


def test_the_worker_rides_out_the_database_going_away(finished):
    backoff = Backoff()
    running = Running(_worker(ResilientWorker, sleep=backoff))
    try:
        first_pid = _pid_of_worker(finished)
        with database_down(first_pid):
            # It keeps trying while the database refuses it, backing off more each time.
            assert backoff.wait_for(3)
            assert running.thread.is_alive() and running.error is None

        second_pid = _pid_of_worker(finished)  # enqueued after the database came back

        assert running.thread.is_alive() and running.error is None
        assert second_pid != first_pid
        assert backoff.delays[1] > backoff.delays[0]
    finally:
        running.stop()
    assert not running.thread.is_alive() and running.error is None


def test_plain_db_worker_exits_when_the_database_goes_away(finished):
    """What the resilient worker fixes (if django_tasks_db learns to reconnect, this fails
    and payments_worker can go)."""
    running = Running(_worker(Worker))
    try:
        pid = _pid_of_worker(finished)
        with database_down(pid):
            running.thread.join(20)
            assert not running.thread.is_alive()
        assert isinstance(running.error, OperationalError)
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


def _abandoned(minutes_ago: float, worker_id: str = "killed-worker") -> str:
    """A task a worker claimed ``minutes_ago`` and then died holding (``kill -9``)."""
    result = backend_pid.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    started = timezone.now() - timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=started)
    return str(result.id)


def test_a_task_left_running_by_a_killed_worker_runs_again(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "TASK_RUNNING_TIMEOUT_SECONDS": 15 * 60}
    abandoned = _abandoned(minutes_ago=16)
    running_now = _abandoned(minutes_ago=1, worker_id="live-worker")

    call_command(
        "payments_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id",
        "restarted", stdout=StringIO(),
    )  # fmt: skip

    row = DBTaskResult.objects.get(pk=abandoned)
    assert row.status == "SUCCESSFUL", row.traceback
    assert row.worker_ids == ["killed-worker", "restarted"]
    # A task started a minute ago may still be running on a live worker: left alone.
    assert DBTaskResult.objects.get(pk=running_now).status == "RUNNING"


def test_a_running_worker_requeues_abandoned_tasks_as_it_goes(finished, monkeypatch, settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "TASK_RUNNING_TIMEOUT_SECONDS": 60}
    monkeypatch.setattr(task_worker, "REQUEUE_EVERY_SECONDS", 0.05)
    running = Running(_worker(ResilientWorker))
    try:
        _pid_of_worker(finished)  # the worker is up and past its start
        abandoned = _abandoned(minutes_ago=2)

        assert finished.wait(abandoned)
        assert DBTaskResult.objects.get(pk=abandoned).status == "SUCCESSFUL"
    finally:
        running.stop()
    assert running.error is None
