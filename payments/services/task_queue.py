"""Services queue background tasks by name: ``payments.tasks`` calls services, never the reverse.

A task shell (``payments.tasks``) calls a service, and services queue tasks in their own
transactions (a callback's delivery with its outbox row, an alert with its status change). To
keep the dependency one way, services look the task up by its name when they queue it, which
is how the queue itself stores a task (``task_path``) and how the worker finds it again.
``payments/tests/test_tasks.py`` checks that every name used here is a task of ``payments.tasks``.

``tasks_requeue_abandoned`` puts back in the queue what a dead worker held: django-tasks-db
marks a task ``RUNNING`` when a worker claims it and never looks at it again, so a worker
killed with ``-9`` (or a lost node) would leave it ``RUNNING`` for ever.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from payments.task_compat import TaskResultStatus

TASKS_MODULE = "payments.tasks"


def task_named(name: str):
    """The task ``payments.tasks.<name>`` (a Django tasks ``Task``), imported when needed."""
    return import_string(f"{TASKS_MODULE}.{name}")


def tasks_requeue_abandoned(*, running_longer_than: timedelta) -> int:
    """Tasks ``RUNNING`` for longer than ``running_longer_than`` go back to ``READY``, due now,
    for any worker to run again. Returns how many.

    One ``UPDATE`` (so two workers doing this at once requeue each task once). Every payments
    task is idempotent, so running again what a dead worker had half done is safe; the bound
    must be longer than any task runs, or a slow but live task could run twice at once."""
    now = timezone.now()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - running_longer_than
    ).update(status=TaskResultStatus.READY, run_after=now, started_at=None)
