"""`manage.py purge_parked_events`: give up on events parked longer than the retention."""

from django.core.management.base import BaseCommand, CommandError

from payments.conf import payments_settings
from payments.durations import parse_duration
from payments.services.parked_events import parked_events_purge


class Command(BaseCommand):
    help = (
        "Give up on Stripe events parked for an object no payment session ever claimed (a "
        "refund or dispute of a payment that is not ours): those older than --older-than "
        "(default PAYMENTS['PARKED_EVENT_RETENTION_DAYS'] days) are marked ignored. Safe to run "
        "at any time, e.g. daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", help="e.g. 30d, 72h (default: the retention setting)")

    def handle(self, *args, older_than: str | None, **options):
        text = older_than or f"{payments_settings.PARKED_EVENT_RETENTION_DAYS}d"
        try:
            age = parse_duration(text)
        except ValueError as error:
            raise CommandError(f"--older-than: {error}") from None
        given_up = parked_events_purge(older_than=age)
        self.stdout.write(f"Marked {given_up} parked event(s) older than {text} as ignored.")
