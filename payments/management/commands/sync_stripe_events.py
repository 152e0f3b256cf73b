"""``manage.py sync_stripe_events``: fetch recent Stripe events and process any missed."""

from django.core.management.base import BaseCommand, CommandError

from payments import exceptions as exc
from payments.durations import parse_duration_option
from payments.services.stripe_event_sync import stripe_events_sync


class Command(BaseCommand):
    help = (
        "Recover missed webhooks: fetch the Stripe events created in the last --since and "
        "process each one exactly like a webhook delivery. Events already received are "
        "skipped, so it is safe to run at any time, e.g. from cron every 15 minutes with "
        "--since 2h. Exits with an error if any event failed to process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", default="2h", help="e.g. 30m, 2h, 3d (at most 30d)")

    def handle(self, *args, since: str, **options):
        try:
            window = parse_duration_option(
                since, option="--since", at_most="30d", why="Stripe keeps events for 30 days"
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            result = stripe_events_sync(since=window)
        except exc.ProviderError as error:
            raise CommandError(f"Stripe's Events API failed: {error.message}") from None
        self.stdout.write(
            f"Stripe events since {since}: {result.applied} applied, {result.ignored} ignored "
            f"(not ours or not handled), {result.skipped} skipped (already received), "
            f"{result.parked} parked (waiting for their payment's own events), "
            f"{len(result.failed)} failed."
        )
        for failure in result.failed:
            self.stderr.write(f"failed: {failure}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} event(s) failed; see above.")
