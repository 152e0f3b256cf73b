"""The tasks API: Django's own ``django.tasks`` (Django 6.0+), else the ``django-tasks`` backport.

The database backend (``django_tasks_db``) makes the same choice, so tasks defined here are
enqueued on the backend the worker (``manage.py db_worker``) runs, on every supported Django.
"""

from importlib.util import find_spec

if find_spec("django.tasks"):
    from django.tasks import TaskResultStatus, task
    from django.tasks.exceptions import TaskResultDoesNotExist
else:  # Django 5.2
    from django_tasks import TaskResultStatus, task
    from django_tasks.exceptions import TaskResultDoesNotExist

__all__ = ["TaskResultDoesNotExist", "TaskResultStatus", "task"]
