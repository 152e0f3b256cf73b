"""`manage.py reconcile_payments`: compare our records with Stripe's, and repair what is safe."""

import argparse
import json
import uuid
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments import exceptions as exc
from payments.durations import parse_duration
from payments.management.arguments import moment, since_bound, until_bound
from payments.management.console import console_for
from payments.management.reconciliation_console import (
    remaining_panel,
    report_json,
    summary_panel,
)
from payments.services.reconciliation import reconciliation_run

# The exit status when differences remain (1 is an error: bad arguments, Stripe unreachable).
DIFFERENCES_REMAIN = 3


def _point(value: str, *, end: bool) -> datetime:
    """A duration back from now (``2d``) or a date / date and time."""
    try:
        return timezone.now() - parse_duration(value)
    except ValueError:
        pass
    try:
        parsed = moment(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is neither a duration (30m, 2h, 2d) nor a date (YYYY-MM-DD[THH:MM])."
        ) from None
    return until_bound(parsed) if end else since_bound(parsed)


class Command(BaseCommand):
    help = (
        "Compare our payment records with Stripe's for a window (--since 2d, --until) or one "
        "session (--session ID): session status, amounts, refunds, disputes, ledger rows "
        "against balance transactions, and Stripe objects naming a session we do not have. "
        "Prints a summary per kind of difference (--json for machines) and records the run "
        "(admin: Reconciliation runs). With --fix, repairs what is safe through the webhook "
        "handlers, the state machine and the ledger service, and reports the rest. Exits 3 "
        "while a difference remains, 1 on an error, 0 when clean."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            default="2d",
            type=lambda v: _point(v, end=False),
            help="start of the window: a duration back from now (30m, 2h, 2d) or a date",
        )
        parser.add_argument(
            "--until",
            type=lambda v: _point(v, end=True),
            help="end of the window (exclusive): a duration back from now or a date",
        )
        parser.add_argument("--session", type=uuid.UUID, help="check only this session (UUID)")
        parser.add_argument("--fix", action="store_true", help="repair what is safe to repair")
        parser.add_argument("--json", action="store_true", help="print JSON instead of boxes")

    def handle(self, *args, since, until, session, fix, json: bool, **options):
        if until is not None and until <= since and session is None:
            raise CommandError("--until must be later than --since.")
        try:
            report = reconciliation_run(
                since=None if session else since,
                until=None if session else until,
                session_id=session,
                fix=fix,
            )
        except exc.ProviderError as error:
            raise CommandError(f"Stripe could not be read: {error.message}") from None
        self._print(report, as_json=json)
        if report.remaining:
            raise CommandError(
                f"{len(report.remaining)} difference(s) remain (run #{report.run.pk}).",
                returncode=DIFFERENCES_REMAIN,
            )

    def _print(self, report, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(_dumps(report_json(report)))
            return
        console = console_for(self.stdout)
        console.print(summary_panel(report, console))
        remaining = remaining_panel(report, console)
        if remaining is not None:
            console.print(remaining)


def _dumps(data) -> str:
    return json.dumps(data, indent=2, default=str)
