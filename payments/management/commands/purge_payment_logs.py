"""``manage.py purge_payment_logs``: delete old rows that grow without bound (docs/scaling.md)."""

from django.core.management.base import BaseCommand, CommandError

from payments.services.retention import RetentionTooShort, payment_logs_purge, retention_for


class Command(BaseCommand):
    help = (
        "Delete payment audit log rows older than --older-than (default: "
        "PAYMENTS['RETENTION']['payment_logs']). Safe to run at any time, e.g. daily from cron: it "
        "deletes in small batches and refuses a retention below the app's floor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default=None, help="e.g. 45d, 2160h")

    def handle(self, *args, older_than: str | None, **options):
        try:
            age = retention_for("payment_logs", older_than)
        except (ValueError, RetentionTooShort) as error:
            raise CommandError(f"--older-than: {error}") from None
        deleted = payment_logs_purge(older_than=age)
        self.stdout.write(f"Deleted {deleted} row(s) older than {age.days}d.")
