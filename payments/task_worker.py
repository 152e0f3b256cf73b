"""The task worker, riding out database restarts: ``manage.py payments_worker``.

``django_tasks_db``'s ``db_worker`` re-raises an ``OperationalError`` from its loop (except
SQLite's "database is locked"), so a PostgreSQL restart ("the database system is shutting
down", "terminating connection due to administrator command") or a dropped connection ends
the process. ``ResilientWorker`` runs the same loop, and when the database goes away it
closes the broken connections, waits (backing off, up to ``MAX_BACKOFF_SECONDS``) and carries
on: the next loop opens a fresh connection.

A task that was running when the database went away, or whose worker was killed (``kill
-9``, a lost node), stays ``RUNNING``: django-tasks-db never looks at it again. So the worker
also puts back in the queue, when it starts and every ``REQUEUE_EVERY_SECONDS``, every task
``RUNNING`` for longer than ``PAYMENTS["TASK_RUNNING_TIMEOUT_SECONDS"]``
(``task_queue.tasks_requeue_abandoned``), and it runs again: tasks are idempotent.
"""

import contextlib
import logging
import random
import threading
import time
from datetime import timedelta

from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django_tasks_db.management.commands.db_worker import Worker

from payments.conf import payments_settings
from payments.services.task_queue import tasks_requeue_abandoned

logger = logging.getLogger("payments.task_worker")

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
# After this long without an error, the next one starts the backoff again from the start.
CALM_SECONDS = 60.0
DATABASE_ERRORS = (OperationalError, InterfaceError)
# How often a running worker looks for tasks abandoned by a dead one.
REQUEUE_EVERY_SECONDS = 60.0


class ResilientWorker(Worker):
    """``db_worker``'s worker, reconnecting instead of exiting when the database fails."""

    def __init__(self, *args, sleep=time.sleep, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sleep = sleep
        self.reconnects = 0

    def run(self) -> None:
        requeue_abandoned_tasks()  # before the first claim: what a killed worker left
        stop = threading.Event()
        sweeper = threading.Thread(
            target=_requeue_until, args=(stop,), name="payments-requeue", daemon=True
        )
        sweeper.start()
        try:
            self._run_reconnecting()
        finally:
            stop.set()

    def _run_reconnecting(self) -> None:
        failures, last_failure = 0, 0.0
        while self.running:
            try:
                super().run()
                return  # batch done, --max-tasks reached, or asked to stop
            except DATABASE_ERRORS as error:
                if not self.running:
                    return
                now = time.monotonic()
                failures = 1 if now - last_failure > CALM_SECONDS else failures + 1
                last_failure = now
                delay = backoff_seconds(failures)
                logger.warning(
                    "Database unavailable (%s: %s); reconnecting in %.1f s",
                    type(error).__name__,
                    str(error).strip().splitlines()[0] if str(error).strip() else "",
                    delay,
                )
                _close_connections()
                self.reconnects += 1
                self.startup_delay = False  # no thundering-herd pause on a reconnect
                self._sleep(delay)


def requeue_abandoned_tasks() -> int:
    """Put back in the queue the tasks held by dead workers; a database error is logged (the
    next round tries again). Returns how many."""
    bound = timedelta(seconds=payments_settings.TASK_RUNNING_TIMEOUT_SECONDS)
    try:
        count = tasks_requeue_abandoned(running_longer_than=bound)
    except DATABASE_ERRORS as error:
        logger.warning("Could not look for abandoned tasks: %s", error)
        return 0
    if count:
        logger.warning("Requeued %d task(s) RUNNING for over %s (their worker died)", count, bound)
    return count


def _requeue_until(stop: threading.Event) -> None:
    while not stop.wait(REQUEUE_EVERY_SECONDS):
        requeue_abandoned_tasks()
        _close_connections()  # this thread's own: it sleeps for a minute


def backoff_seconds(failures: int) -> float:
    """Exponential, capped, with jitter so a pool of workers does not reconnect in step."""
    base = min(FIRST_BACKOFF_SECONDS * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
    return base * random.uniform(0.8, 1.2)


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(*DATABASE_ERRORS):  # already dead: Django forgets it anyway
            connection.close()
