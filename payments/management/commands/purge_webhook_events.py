"""``manage.py purge_webhook_events``: delete old rows that grow without bound (docs/scaling.md)."""

from django.core.management.base import BaseCommand, CommandError

from payments.services.retention import RetentionTooShort, retention_for, webhook_events_purge


class Command(BaseCommand):
    help = (
        "Delete processed or ignored Stripe webhook events older than --older-than (default: "
        "PAYMENTS['RETENTION']['webhook_events']). Safe to run at any time, e.g. daily from "
        "cron: it deletes in small batches and refuses a retention below the app's floor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default=None, help="e.g. 45d, 2160h")

    def handle(self, *args, older_than: str | None, **options):
        try:
            age = retention_for("webhook_events", older_than)
        except (ValueError, RetentionTooShort) as error:
            raise CommandError(f"--older-than: {error}") from None
        deleted = webhook_events_purge(older_than=age)
        self.stdout.write(f"Deleted {deleted} row(s) older than {age.days}d.")
