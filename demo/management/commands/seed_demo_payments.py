import time

from django.core.management.base import BaseCommand

from demo.seed import demo_payments_exist, demo_payments_seed
from payments.management import arguments


class Command(BaseCommand):
    help = (
        "Create COUNT realistic demo payment sessions spread over the last --days days: every "
        "status, several currencies (JPY and KWD included), card details, marketplace splits, "
        "about one customer per ten sessions, ledger rows (gross = fee + net), refunds, a few "
        "disputes and audit rows. Bulk inserts (COPY on PostgreSQL): a million sessions take "
        "a minute or two. For demos and benchmarks, never production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=arguments.positive_int, required=True)
        parser.add_argument("--days", type=arguments.positive_int, default=365)
        parser.add_argument("--seed", type=int, help="Make the values repeatable.")
        parser.add_argument("--batch-size", type=arguments.positive_int, default=10_000)
        parser.add_argument(
            "--jobs",
            type=arguments.positive_int,
            default=2,
            help="Parallel writers on PostgreSQL (default 2); SQLite always uses one.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only if no demo payments exist yet (`make run`: a second run adds none).",
        )

    def handle(self, *args, count, days, seed, batch_size, jobs, if_empty, **options):
        if if_empty and demo_payments_exist():
            self.stdout.write("Demo payments already exist: nothing to do.")
            return
        started = time.monotonic()
        progress = None
        if self.stderr.isatty():
            progress = lambda done: self.stderr.write(f"{done}/{count} sessions", ending="\r")  # noqa: E731
        result = demo_payments_seed(
            count=count,
            days=days,
            seed=seed,
            batch_size=batch_size,
            jobs=jobs,
            on_progress=progress,
        )
        self.stdout.write(
            f"Created {result.sessions} sessions, {result.customers} customers, "
            f"{result.transactions} ledger rows, {result.refunds} refunds and {result.logs} "
            f"audit rows in {time.monotonic() - started:.1f} s."
        )
