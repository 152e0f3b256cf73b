"""``manage.py export_payments``: write payment sessions to a CSV file."""

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from payments.management import arguments
from payments.management.console import console_for
from payments.selectors import SessionFilters, payment_session_list, queryset_count_estimate
from payments.selectors.exports import payment_sessions_export_csv
from payments.states import PaymentStatus


class Command(BaseCommand):
    help = (
        "Export payment sessions to CSV, newest first: id, created, customer e-mail, payee, "
        "amount, platform fee, payee amount, status, Stripe ids, card brand and last4, refunded "
        "amount, currency, payable, paid time, API client. Amounts are decimal strings in major "
        "units (25.00, 2500 for JPY) next to the currency; times are UTC. Streams (COPY on "
        "PostgreSQL), so memory stays flat; shows a progress bar on a terminal. The file is "
        "written next to its final name and moved into place when complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="FILE.csv")
        parser.add_argument("--since", type=arguments.moment, metavar="DATE")
        parser.add_argument("--until", type=arguments.moment, metavar="DATE")
        parser.add_argument("--status", choices=PaymentStatus.values)
        parser.add_argument("--currency", metavar="C")

    def handle(self, *args, **options):
        target = Path(options["output"])
        if not target.parent.is_dir():
            raise CommandError(f"--output: directory {target.parent} does not exist.")
        sessions = payment_session_list(
            filters=SessionFilters(
                status=options["status"],
                currency=options["currency"],
                since=arguments.since_bound(options["since"]),
                until=arguments.until_bound(options["until"]),
            )
        )
        console = console_for(self.stdout)
        partial = target.with_name(target.name + ".partial")
        started = time.monotonic()
        with partial.open("wb") as out:
            if console.is_terminal:
                count = self._with_progress(sessions, out, console)
            else:
                count = payment_sessions_export_csv(sessions=sessions, out=out)
        os.replace(partial, target)
        seconds = time.monotonic() - started
        console.print(f"Wrote {count} payments to {target} in {seconds:.1f} s.", soft_wrap=True)

    def _with_progress(self, sessions, out, console) -> int:
        columns = [*Progress.get_default_columns()[:2], BarColumn(), MofNCompleteColumn()]
        with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
            bar = progress.add_task("Exporting", total=queryset_count_estimate(sessions))
            return payment_sessions_export_csv(
                sessions=sessions,
                out=out,
                on_progress=lambda rows: progress.update(bar, completed=rows),
            )
