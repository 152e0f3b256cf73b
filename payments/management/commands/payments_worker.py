"""`manage.py payments_worker`: `db_worker` that rides out a database restart."""

from django_tasks_db.management.commands import db_worker

from payments.task_worker import ResilientWorker


class Command(db_worker.Command):
    help = (
        "Run the background task worker (db_worker's options), reconnecting when the database "
        "restarts or drops the connection instead of exiting. Run this rather than db_worker."
    )

    def handle(self, *args, **options):
        # db_worker builds its Worker by name inside handle(): lend it ours for this call.
        original, db_worker.Worker = db_worker.Worker, ResilientWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
