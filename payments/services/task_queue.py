"""Services queue background tasks by name: ``payments.tasks`` calls services, never the reverse.

A task shell (``payments.tasks``) calls a service, and services queue tasks in their own
transactions (a callback's delivery with its outbox row, an alert with its status change). To
keep the dependency one way, services look the task up by its name when they queue it, which
is how the queue itself stores a task (``task_path``) and how the worker finds it again.
``payments/tests/test_tasks.py`` checks that every name used here is a task of ``payments.tasks``.
"""

from django.utils.module_loading import import_string

TASKS_MODULE = "payments.tasks"


def task_named(name: str):
    """The task ``payments.tasks.<name>`` (a Django tasks ``Task``), imported when needed."""
    return import_string(f"{TASKS_MODULE}.{name}")
