"""``manage.py purge_idempotency_keys``: delete idempotency keys older than a duration."""

from django.core.management.base import BaseCommand, CommandError

from payments.durations import parse_duration_option
from payments.services.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = (
        "Delete stored Idempotency-Keys (and their saved responses) older than --older-than. "
        "Keys are kept at least 24 hours, so a client's retries within a day always replay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default="72h", help="e.g. 72h, 7d (at least 24h)")

    def handle(self, *args, older_than: str, **options):
        try:
            age = parse_duration_option(
                older_than, option="--older-than", at_least="24h", why="clients may retry for a day"
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        deleted = idempotency_keys_purge(older_than=age)
        self.stdout.write(f"Deleted {deleted} idempotency key(s) older than {older_than}.")
