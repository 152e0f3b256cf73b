"""Run the background tasks a test enqueued, synchronously, the way ``db_worker`` would."""

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks(*, limit: int = 100, raise_on_failure: bool = True) -> list[DBTaskResult]:
    """Run every task that is ready now (tasks they enqueue too), oldest first.

    Uses ``db_worker``'s own claim-and-run logic, minus its connection recycling and sleeps,
    so it works inside a test's transaction. Returns the finished results; with
    ``raise_on_failure`` a failed task raises ``AssertionError`` carrying its traceback.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="payments-test-runner",
        excluded_queue_names=[],
    )
    finished: list[DBTaskResult] = []
    for _ in range(limit):
        with transaction.atomic():
            db_result = DBTaskResult.objects.ready().get_locked()
            if db_result is None:
                break
            db_result.claim(worker.worker_id)
        worker.run_task(db_result)
        db_result.refresh_from_db()
        finished.append(db_result)
        if raise_on_failure and db_result.status == "FAILED":
            raise AssertionError(f"Task {db_result.task_path} failed:\n{db_result.traceback}")
    return finished
