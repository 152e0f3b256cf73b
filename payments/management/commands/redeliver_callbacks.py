"""``manage.py redeliver_callbacks``: queue lost, failed or chosen callbacks for delivery."""

from django.core.management.base import BaseCommand, CommandError

from payments.selectors.callbacks import callback_ids_for_redelivery
from payments.selectors.sessions import payment_session_exists
from payments.services.callbacks import callback_redeliver, callbacks_deliver_due


class Command(BaseCommand):
    help = (
        "Queue callbacks for delivery again. With no option: every pending callback that is due "
        "but lost its delivery task (run this every few minutes, e.g. from cron). --failed also "
        "re-queues failed callbacks; --session limits both to one payment session; --id "
        "re-queues the given callbacks whatever their status. The db_worker delivers them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="Also re-queue failed ones.")
        parser.add_argument("--session", metavar="ID", help="Only this payment session's.")
        parser.add_argument(
            "--id", dest="ids", action="append", default=[], metavar="EVT", help="A callback id."
        )

    def handle(self, *args, failed: bool, session: str | None, ids: list[str], **options):
        if session is not None and not payment_session_exists(session_id=session):
            raise CommandError(f"No payment session {session}.")
        swept = callbacks_deliver_due(session_id=session)
        wanted = [*ids, *callback_ids_for_redelivery(failed=failed, session_id=session)]
        requeued = callback_redeliver(callback_ids=wanted) if wanted else 0
        self.stdout.write(f"Re-queued {swept} due pending callbacks whose task was lost.")
        self.stdout.write(f"Re-queued {requeued} callbacks for immediate redelivery.")
